"""Turning code and request prose into search terms.

One analysis is shared by the index and the query so that `parseHTTPResponse`, `parse_http`,
"parsing" and "parsed" meet on the same terms. A compound identifier yields its whole
lowercased form (an exact match is a strong signal) plus its stemmed parts.
"""

from __future__ import annotations

import re

TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# In a request people write option names with hyphens (`--show-default`); code spells them
# with underscores, so the query side keeps hyphenated words together.
QUERY_TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
DOTTED_RE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


_IDENTIFIER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if chr(c) not in _IDENTIFIER_CHARS})


def tokenize(text: str) -> list[str]:
    """Identifier-like runs of a text; numbers come out too and yield no terms.

    `str.translate` + `split` runs in C at several times the speed of a regex `findall`,
    and tokenizing every file is the largest single cost of building an index.
    """
    return text.translate(_SEPARATORS).split()


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one block of text, which is easier to read and review."""
    return frozenset(text.split())


STOP_WORDS = word_set(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can cannot could did do does doing done down during each
    either else etc even ever every few for from further get gets got had has have having he her
    here hers him his how i if in into is it its itself just let lets me more most much must my
    no nor not now of off on once only or other our ours out over own same she should so some
    such than that the their them then there these they this those through to too under until up
    upon us very was we were what when where which while who whom why will with would yet you
    your yours
    able actually anything basically better bit currently etc give gives hey kind like make makes
    making maybe need needed needs please pretty probably properly quite rather real really
    right seem seems something somehow stuff sure thanks thing things want wanted wants way
    ways well whatever
    self cls def elif none true false return
    """
)

_VOWELS = frozenset("aeiouy")
_NO_UNDOUBLE = frozenset("lsz")
_PLURAL_KEEP = ("ss", "us", "is", "ias", "ous")


def split_identifier(token: str) -> list[str]:
    """`parseHTTPResponse2` -> ['parse', 'http', 'response', '2']; parts keep their order."""
    parts: list[str] = []
    for chunk in token.split("_"):
        if chunk:
            parts.extend(p.lower() for p in _CAMEL_RE.findall(chunk))
    return parts


def _undouble(word: str) -> str:
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in _VOWELS | _NO_UNDOUBLE:
        return word[:-1]
    return word


def stem(word: str) -> str:
    """A few suffix rules, enough to make plural, -ing, -ed and -er forms of a word meet.

    It is deliberately weaker than Porter: code vocabulary is full of short technical words
    that aggressive stemming would merge wrongly.
    """
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("es") and w[:-2].endswith(("s", "x", "z", "ch", "sh")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(_PLURAL_KEEP):
        w = w[:-1]
    if w.endswith("ation") and len(w) > 7:
        w = w[:-5] + "ate"
    if w.endswith("ing") and len(w) >= 6 and _VOWELS & set(w[:-3]):
        w = _undouble(w[:-3])
    elif w.endswith("ed") and len(w) >= 5 and _VOWELS & set(w[:-2]):
        w = _undouble(w[:-2])
    if w.endswith("er") and len(w) >= 6:
        w = _undouble(w[:-2])
    if w.endswith("e") and len(w) >= 4:
        w = w[:-1]
    return w


class Analyzer:
    """Token -> terms, memoised: a repository reuses a small vocabulary millions of times.

    Hot loops read `memo` directly and call `terms` only on a miss.
    """

    __slots__ = ("_stems", "memo")

    def __init__(self) -> None:
        self.memo: dict[str, tuple[tuple[str, ...], bool]] = {}
        self._stems: dict[str, str] = {}

    def _stem(self, part: str) -> str:
        hit = self._stems.get(part)
        if hit is None:
            hit = self._stems[part] = "" if len(part) < 2 or part in STOP_WORDS else stem(part)
        return hit

    def terms(self, token: str) -> tuple[tuple[str, ...], bool]:
        """Terms of one token, and whether it is a compound identifier."""
        hit = self.memo.get(token)
        if hit is not None:
            return hit
        if token[0].isdigit():
            self.memo[token] = ((), False)
            return self.memo[token]
        # Most tokens are plain lowercase words or snake_case; the camel-case regex is only
        # needed when there is an upper-case letter or a digit.
        if token.islower() and token.replace("_", "").isalpha():
            parts = [p for p in token.split("_") if p]
        else:
            parts = split_identifier(token)
        stems = tuple(s for s in map(self._stem, parts) if s)
        if len(parts) > 1:
            whole = token.strip("_").lower()
            result: tuple[tuple[str, ...], bool] = ((whole, *stems), True)
        else:
            result = (stems, False)
        self.memo[token] = result
        return result


_SHARED = Analyzer()


def token_terms(token: str) -> tuple[str, ...]:
    return _SHARED.terms(token)[0]


def text_terms(text: str) -> list[str]:
    """All terms of a piece of prose or code, in order, duplicates kept."""
    out: list[str] = []
    for token in TOKEN_RE.findall(text):
        out.extend(_SHARED.terms(token)[0])
    return out


TEST_QUERY_WORDS = frozenset({"test", "tests", "testing", "pytest", "fixture", "fixtures"})


class Query:
    """A request reduced to weighted terms.

    `display` maps each term back to the word the person wrote, so reasons quote them.
    """

    __slots__ = ("about_tests", "display", "dotted", "terms")

    def __init__(self, text: str) -> None:
        self.terms: dict[str, float] = {}
        self.display: dict[str, str] = {}
        self.about_tests = False
        # `pkg.module` or `pkg.module.func` names a file outright.
        self.dotted = [d.lower() for d in DOTTED_RE.findall(text) if not d.lower().endswith(".py")]
        for raw in QUERY_TOKEN_RE.findall(text):
            lowered = raw.lower()
            if lowered in TEST_QUERY_WORDS or lowered.startswith("test_"):
                self.about_tests = True
            token = raw.replace("-", "_")
            terms, compound = _SHARED.terms(token)
            for term in terms:
                # Repeating a word in a request is emphasis, but only mildly so.
                self.terms[term] = min(self.terms.get(term, 0.0) + 1.0, 2.0)
            if compound:
                self.display.setdefault(terms[0], token.strip("_").lower())
            for part in split_identifier(token):
                self.display.setdefault(stem(part), part)

    def __bool__(self) -> bool:
        return bool(self.terms)
