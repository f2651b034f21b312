"""One file -> its per-field term counts, field lengths and symbols.

Fields, in packing order:
    path         directory and file names, identifier-split
    symbols      names of the classes, functions and methods the file defines
    identifiers  compound identifiers anywhere in the file: the whole name and its parts
    docs         docstrings and comments (for prose files, the whole text)
    body         the remaining plain words of the file

All counts of one term are packed into one 64-bit integer, one lane per field (8 bits for
the short fields, 16 for the long ones), so a file costs one sorted array of term ids and
one array of packed counts. Counting straight into the packed form is what keeps the
per-file cost low: this loop runs for every distinct token of every file of a repository.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass

from intake.index import symbols as sym
from intake.index.files import MAX_FILE_BYTES, decode_text, file_kind
from intake.index.text import TOKEN_RE, Analyzer, tokenize

FIELDS = ("path", "symbols", "identifiers", "docs", "body")
PATH, SYMBOLS, IDENTIFIERS, DOCS, BODY = range(5)
LANE_SHIFT = (0, 8, 16, 32, 48)
LANE_MAX = (0xFF, 0xFF, 0xFFFF, 0xFFFF, 0xFFFF)
# A term gets at most this many counts per token occurrence (a compound identifier can
# repeat a part: `item_item`), so files with fewer tokens than this bound cannot overflow.
_SAFE_TOKENS = 0xFFFF // 4

_analyzer = Analyzer()
# `# comment`, or a triple-quoted string (docstrings, and prose-like literals beside them).
_PY_DOCS_RE = sym.PY_DOCS_RE


@dataclass(frozen=True, slots=True)
class Analysis:
    terms: str  # the file's distinct terms, sorted, joined by newlines (cheap to ship)
    packs: array[int]  # parallel to terms
    lengths: tuple[int, int, int, int, int]
    symbols: str  # symbols.encode(...)
    kind: str


def field_count(packed: int, field: int) -> int:
    return (packed >> LANE_SHIFT[field]) & LANE_MAX[field]


def unpack(packed: int) -> tuple[int, ...]:
    return tuple(field_count(packed, f) for f in range(len(FIELDS)))


def path_terms(path: str) -> list[str]:
    *dirs, name = path.split("/")
    dot = name.rfind(".")
    words = [*dirs, name[:dot] if dot > 0 else name]
    terms_of = _analyzer.terms
    return [t for word in words for token in TOKEN_RE.findall(word) for t in terms_of(token)[0]]


def _count(target: dict[str, int], tokens: Counter[str], shift: int) -> int:
    """Adds the tokens' terms to one lane; returns how many terms that was."""
    memo, terms_of = _analyzer.memo, _analyzer.terms
    get = target.get
    total = 0
    for token, n in tokens.items():
        terms = (memo.get(token) or terms_of(token))[0]
        total += n * len(terms)
        unit = n << shift
        for term in terms:
            target[term] = get(term, 0) + unit
    return total


def _count_code(
    ident: dict[str, int], ident_shift: int, body: dict[str, int], body_shift: int,
    tokens: Counter[str],
) -> tuple[int, int]:  # fmt: skip
    """Compound identifiers go to the identifiers lane, plain words to the body lane."""
    memo, terms_of = _analyzer.memo, _analyzer.terms
    ident_get, body_get = ident.get, body.get
    ident_total = body_total = 0
    for token, n in tokens.items():
        terms, compound = memo.get(token) or terms_of(token)
        if compound:
            ident_total += n * len(terms)
            unit = n << ident_shift
            for term in terms:
                ident[term] = ident_get(term, 0) + unit
        else:
            body_total += n * len(terms)
            unit = n << body_shift
            for term in terms:
                body[term] = body_get(term, 0) + unit
    return ident_total, body_total


def _add_clamped(packed: dict[str, int], counts: dict[str, int], field: int) -> None:
    shift, limit = LANE_SHIFT[field], LANE_MAX[field]
    get = packed.get
    for term, n in counts.items():
        packed[term] = get(term, 0) + ((n if n < limit else limit) << shift)


def analyze(path: str, text: str) -> Analysis:
    kind = file_kind(path)
    name = path.rsplit("/", 1)[-1].lower()
    suffix = name[name.rfind(".") :] if name.rfind(".") > 0 else ""
    tokens = Counter(tokenize(text))
    # Ordinary files count straight into the packed lanes. A file with so many tokens that
    # a lane could overflow counts per field first and saturates each lane when packing.
    direct = tokens.total() < _SAFE_TOKENS
    packed: dict[str, int] = {}
    lanes = [packed if direct else {} for _ in FIELDS]
    shifts = LANE_SHIFT if direct else (0,) * len(FIELDS)
    lengths = [0] * len(FIELDS)

    short: list[Counter[str]] = [Counter(path_terms(path)), Counter()]
    symbols: list[sym.Symbol] = []
    if kind in ("code", "example", "test"):
        python = suffix in (".py", ".pyi")
        symbols = sym.scan_symbols(text, python)
        terms_of = _analyzer.terms
        short[SYMBOLS] = Counter(t for s in symbols for t in terms_of(s.name.rsplit(".", 1)[-1])[0])
        docs = "\n".join(_PY_DOCS_RE.findall(text) if python else sym.comments(text, suffix))
        lengths[DOCS] = _count(lanes[DOCS], Counter(tokenize(docs)), shifts[DOCS])
        lengths[IDENTIFIERS], lengths[BODY] = _count_code(
            lanes[IDENTIFIERS], shifts[IDENTIFIERS], lanes[BODY], shifts[BODY], tokens
        )
    else:
        field = DOCS if kind == "doc" else BODY
        lengths[field] = _count(lanes[field], tokens, shifts[field])
    if not direct:
        for field in (IDENTIFIERS, DOCS, BODY):
            _add_clamped(packed, lanes[field], field)
    for field in (PATH, SYMBOLS):
        lengths[field] = short[field].total()
        _add_clamped(packed, short[field], field)
    terms = sorted(packed)
    return Analysis(
        "\n".join(terms),
        array("Q", map(packed.__getitem__, terms)),
        (lengths[0], lengths[1], lengths[2], lengths[3], lengths[4]),
        sym.encode(symbols),
        kind,
    )


def analyze_items(items: list[tuple[str, str | bytes | None]]) -> list[Analysis | None]:
    """Analyses (path, absolute path to read | content | None) items; runs in worker processes."""
    out: list[Analysis | None] = []
    for rel, source in items:
        data: bytes | None
        if isinstance(source, str):
            try:
                with open(source, "rb") as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)
            except OSError:
                data = None
        else:
            data = source
        text = None if data is None else decode_text(data)
        out.append(None if text is None else analyze(rel, text))
    return out
