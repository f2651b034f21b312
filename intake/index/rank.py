"""Ranking files for a request.

score = (lexical + HISTORY_WEIGHT * history) * prior(kind) + co-change boost

lexical  BM25F over the five fields of `analyze`, with per-field weights and length
         normalisation, normalised so the best file scores 1.
history  past commits whose subjects resemble the request (BM25 over subjects) vote for
         the files they touched; a file that changes in every commit (a changelog) votes
         with little weight, as it tells nothing about this request.
prior    requests are about code: tests and docs rank lower unless the request names them.
co-change files that changed together with the best candidates get a small boost.

Everything is deterministic: ties break on the path.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING

from intake.index.analyze import FIELDS, LANE_MAX, LANE_SHIFT
from intake.index.explain import Evidence, Hit, explain
from intake.index.history import Commit
from intake.index.text import Query

if TYPE_CHECKING:
    from intake.index.repository import FileRecord, RepositoryIndex

K1 = 1.2
FIELD_WEIGHTS = (3.0, 3.0, 1.0, 1.0, 0.4)  # path, symbols, identifiers, docs, body
FIELD_B = (0.3, 0.5, 0.75, 0.75, 0.75)
HISTORY_WEIGHT = 0.6
HISTORY_COMMITS = 30
COCHANGE_WEIGHT = 0.3
COCHANGE_SEEDS = 5
MODULE_BONUS = 0.5
PRIOR = {"code": 1.0, "example": 0.4, "test": 0.35, "doc": 0.3, "config": 0.3}
PRIOR_ABOUT_TESTS = {"code": 0.8, "example": 0.4, "test": 1.0, "doc": 0.3, "config": 0.3}


@dataclass
class Term:
    term: str
    weight: float
    idf: float
    postings: dict[int, int]  # doc -> packed field counts


def _lexical(index: RepositoryIndex, query: Query) -> tuple[list[float], list[Term]]:
    records = index.records
    wanted = sorted(
        (tid, term, weight)
        for term, weight in query.terms.items()
        if (tid := index.term_id(term)) is not None
    )
    postings: list[dict[int, int]] = [{} for _ in wanted]
    for doc, record in enumerate(records):
        ids = record.ids
        lo, hi = 0, len(ids)
        for k, (tid, _, _) in enumerate(wanted):
            # Query ids ascend, so each search starts where the previous one stopped.
            lo = bisect_left(ids, tid, lo, hi)
            if lo == hi:
                break
            if ids[lo] == tid:
                postings[k][doc] = record.packs[lo]
    n = len(records) or 1
    avg = [max(sum(r.lengths[f] for r in records) / n, 1.0) for f in range(len(FIELDS))]
    scores = [0.0] * len(records)
    terms: list[Term] = []
    for (_, term, weight), posting in zip(wanted, postings, strict=True):
        if not posting:
            continue
        df = len(posting)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        terms.append(Term(term, weight, idf, posting))
        for doc, packed in posting.items():
            lengths = records[doc].lengths
            tf = 0.0
            for f in range(len(FIELDS)):
                count = (packed >> LANE_SHIFT[f]) & LANE_MAX[f]
                if count:
                    norm = 1 - FIELD_B[f] + FIELD_B[f] * lengths[f] / avg[f]
                    tf += FIELD_WEIGHTS[f] * count / norm
            scores[doc] += weight * idf * tf / (K1 + tf)
    return scores, terms


def _history(
    index: RepositoryIndex, query: Query, doc_of: dict[str, int]
) -> tuple[list[float], dict[int, list[Commit]]]:
    history = index.history
    scores = [0.0] * len(index.records)
    voters: dict[int, list[Commit]] = {}
    found = history.search(query.terms, HISTORY_COMMITS)
    if not found:
        return scores, voters
    best = found[0][1]
    live = sum(1 for n in history.lengths if n) or 1
    for i, score in found:
        if score < 0.25 * best:
            break
        commit = history.commits[i]
        docs = [doc_of[p] for p in commit.files if p in doc_of]
        for doc in docs:
            changes = history.change_count(index.records[doc].path)
            # Rarely changed files are specific evidence; ever-changing ones are not.
            specificity = math.log(1 + live / (1 + changes)) / math.log(1 + live)
            scores[doc] += score * specificity / math.sqrt(len(commit.files))
            voters.setdefault(doc, []).append(commit)
    return scores, voters


def _normalised(values: list[float]) -> list[float]:
    top = max(values, default=0.0)
    return [v / top for v in values] if top > 0 else values


def rank(index: RepositoryIndex, text: str, top: int = 10) -> list[Hit]:
    query = Query(text)
    records = index.records
    if not query or not records:
        return []
    doc_of = {r.path: i for i, r in enumerate(records)}
    lexical, terms = _lexical(index, query)
    history, voters = _history(index, query, doc_of)
    lexical, history = _normalised(lexical), _normalised(history)
    named = _named_modules(records, query)
    priors = PRIOR_ABOUT_TESTS if query.about_tests else PRIOR
    scores = [
        (lexical[d] + HISTORY_WEIGHT * history[d] + (MODULE_BONUS if d in named else 0.0))
        * priors.get(records[d].kind, 0.5)
        for d in range(len(records))
    ]
    partners = _co_change(index, scores, doc_of, priors)
    order = sorted(
        (d for d in range(len(records)) if scores[d] > 0),
        key=lambda d: (-round(scores[d], 9), records[d].path),
    )[:top]
    evidence = [
        Evidence(
            records[d],
            scores[d],
            {t.term: t.postings[d] for t in terms if d in t.postings},
            voters.get(d, []),
            partners.get(d),
            named.get(d),
        )
        for d in order
    ]
    return explain(index, query, {t.term: t.idf * t.weight for t in terms}, evidence)


def module_name(path: str) -> str | None:
    """`src/pkg/sub/mod.py` -> `pkg.sub.mod`; `pkg/__init__.py` -> `pkg`."""
    if not path.endswith((".py", ".pyi")):
        return None
    parts = path.rsplit(".", 1)[0].split("/")
    if parts[0] in ("src", "lib") and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts).lower()


def _named_modules(records: list[FileRecord], query: Query) -> dict[int, str]:
    """Files whose module the request names, directly or through a name inside it."""
    if not query.dotted:
        return {}
    named: dict[int, str] = {}
    for doc, record in enumerate(records):
        module = module_name(record.path)
        if module is None:
            continue
        for dotted in query.dotted:
            if dotted == module or dotted.startswith(module + "."):
                named[doc] = dotted
    # Naming `pkg.mod.func` names `pkg.mod`, not the package `pkg` above it.
    best: dict[str, tuple[int, int]] = {}
    for doc, dotted in named.items():
        depth = (module_name(records[doc].path) or "").count(".")
        if dotted not in best or depth > best[dotted][0]:
            best[dotted] = (depth, doc)
    keep = {doc for _, doc in best.values()}
    return {doc: dotted for doc, dotted in named.items() if doc in keep}


def _co_change(
    index: RepositoryIndex, scores: list[float], doc_of: dict[str, int], priors: dict[str, float]
) -> dict[int, tuple[str, int]]:
    """Adds the co-change boost in place; returns, per boosted file, its strongest partner."""
    history = index.history
    records = index.records
    seeds = sorted(range(len(scores)), key=lambda d: (-scores[d], records[d].path))
    boosts: dict[int, float] = {}
    partner: dict[int, tuple[str, int]] = {}
    for seed in seeds[:COCHANGE_SEEDS]:
        if scores[seed] <= 0:
            break
        path = records[seed].path
        total = history.change_count(path)
        for other, together in sorted(history.co_changes(path).items()):
            doc = doc_of.get(other)
            if doc is None or together < 2:
                continue
            boost = scores[seed] * together / (total + 2) * priors.get(records[doc].kind, 0.5)
            boosts[doc] = boosts.get(doc, 0.0) + boost
            if together > partner.get(doc, ("", 0))[1]:
                partner[doc] = (path, together)
    for doc, boost in boosts.items():
        scores[doc] += COCHANGE_WEIGHT * boost
    return partner
