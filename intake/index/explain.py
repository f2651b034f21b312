"""Why a file was returned, and which of its definitions to look at first.

Reasons are short sentences meant for a person reading `foreman locate` and for the plan
a research pass writes: the request's words and the fields they matched, the definitions
that carry them (with line numbers), the past commits that voted, the co-change partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from intake.index.analyze import FIELDS, LANE_MAX, LANE_SHIFT
from intake.index.history import Commit
from intake.index.symbols import Symbol, decode, python_symbols
from intake.index.text import Query, text_terms, token_terms

if TYPE_CHECKING:
    from intake.index.repository import FileRecord, RepositoryIndex

MAX_TERMS_SHOWN = 6
MAX_SYMBOLS = 3


@dataclass(frozen=True, slots=True)
class SymbolRef:
    name: str
    line: int
    kind: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked file: `score` compares files within one answer only."""

    path: str
    score: float
    reasons: tuple[str, ...]
    symbols: tuple[SymbolRef, ...]
    # The same matches as the first reason, structured: (request word, fields it matched).
    matched: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def to_json(self, rank: int) -> dict[str, object]:
        return {
            "rank": rank,
            "path": self.path,
            "score": self.score,
            "symbols": [{"name": s.name, "line": s.line} for s in self.symbols],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the ranker knew about one returned file."""

    record: FileRecord
    score: float
    matches: dict[str, int]  # query term -> packed field counts in this file
    commits: list[Commit]  # past commits like the request that touched it, best first
    partner: tuple[str, int] | None  # (co-changing file, commits together)
    named: str | None  # the dotted name in the request that names this module


def explain(
    index: RepositoryIndex, query: Query, weights: dict[str, float], evidence: list[Evidence]
) -> list[Hit]:
    python = [e.record for e in evidence if e.record.path.endswith((".py", ".pyi"))]
    texts = index.read_texts(python) if python else {}
    return [_hit(query, weights, e, texts.get(e.record.path)) for e in evidence]


def _hit(query: Query, weights: dict[str, float], e: Evidence, text: str | None) -> Hit:
    reasons: list[str] = []
    matched: list[tuple[float, str, tuple[str, ...]]] = []
    for term, packed in e.matches.items():
        fields = tuple(
            name for f, name in enumerate(FIELDS) if (packed >> LANE_SHIFT[f]) & LANE_MAX[f]
        )
        matched.append((weights.get(term, 0.0), query.display.get(term, term), fields))
    matched.sort(key=lambda m: (-m[0], m[1]))
    # Callers read the first reason as the term list: it comes first whenever there is one.
    if matched:
        shown = [f"{word} ({', '.join(fields)})" for _, word, fields in matched[:MAX_TERMS_SHOWN]]
        reasons.append("matched " + "; ".join(shown))
    if e.named is not None:
        reasons.append(f"the request names {e.named}")
    symbols = best_symbols(e.record, text, query, weights)
    for symbol, words in symbols:
        reasons.append(f"symbol {symbol.name} (line {symbol.line}) matches {', '.join(words)}")
    if e.commits:
        plural = "commit" if len(e.commits) == 1 else "commits"
        reasons.append(f"touched by {len(e.commits)} past {plural} like '{e.commits[0].subject}'")
    if e.partner is not None:
        reasons.append(f"changes together with {e.partner[0]} ({e.partner[1]} commits)")
    if e.record.kind == "test" and not query.about_tests:
        reasons.append("test file: ranked down because the request is not about tests")
    refs = tuple(SymbolRef(s.name, s.line, s.kind) for s, _ in symbols)
    terms = tuple((word, fields) for _, word, fields in matched)
    return Hit(e.record.path, round(e.score, 4), tuple(reasons), refs, terms)


def best_symbols(
    record: FileRecord, text: str | None, query: Query, weights: dict[str, float]
) -> list[tuple[Symbol, list[str]]]:
    """Definitions whose names (or, for Python, docstrings) carry the request's terms.

    Python files are re-read with `ast` here, for exact qualified names and docstrings;
    only the handful of returned files pay for it.
    """
    parsed = python_symbols(text) if text is not None else None
    if parsed is not None:
        symbols, docs = parsed.symbols, parsed.symbol_docs
    else:
        symbols = decode(record.symbols)
        docs = [""] * len(symbols)
    scored: list[tuple[float, int, Symbol, list[str]]] = []
    for position, (symbol, doc) in enumerate(zip(symbols, docs, strict=True)):
        own = set(token_terms(symbol.name.rsplit(".", 1)[-1]))
        outer = {t for part in symbol.name.split(".")[:-1] for t in token_terms(part)}
        doc_terms = set(text_terms(doc)) if doc else set()
        score = 0.0
        named = False
        words: list[str] = []
        for term in query.terms:
            weight = weights.get(term, 0.0)
            if term in own:
                score, named = score + 2.0 * weight, True
            elif term in outer:
                score += 1.0 * weight
            elif term in doc_terms:
                score += 0.4 * weight
            else:
                continue
            words.append(query.display.get(term, term))
        # A docstring sharing one common word with the request is not a reason.
        if score > 0 and (named or len(words) >= 2):
            scored.append((score, position, symbol, words))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [(symbol, words) for _, _, symbol, words in scored[:MAX_SYMBOLS]]
