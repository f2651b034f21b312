"""Splitting a request into units of work: sentences, list items, and joined clauses."""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<[@#!][^>]*>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]+))?>")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
# Joins that usually start a new piece of work, not a list of nouns ("logs and metrics").
_CLAUSE_JOINS = re.compile(
    r",?\s+(?:and then|and also|and make sure|and ensure|and have|and let|and get|and add|"
    r"and make|and give|and page|and alert|and notify|also|plus|as well as)\s+",
    re.IGNORECASE,
)
_COMMA_AND = re.compile(r",\s+and\s+", re.IGNORECASE)
_FILLER = re.compile(
    r"^(?:please|pls|can you|could you|would you|we need to|we need|i need|we want to|"
    r"we want|i want|let's|lets|kindly|also|then|and)\s+",
    re.IGNORECASE,
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'-]*")
GREETINGS = frozenset(
    "hi hello hey yo thanks thank you thx cheers morning evening afternoon good there all "
    "folks team ok okay cool great sure foreman bot please".split()
)
STOPWORDS = frozenset(
    "a an the and or but of to in on at for with from by as is are was were be been being "
    "it its this that these those we us our you your i me my they them their he she his her "
    "so do does did done can could should would will shall may might must have has had not "
    "no yes into onto over under about what when where which who whom why how all any some "
    "more most much many very really actually just also then than there here make sure get "
    "gets got give let lets need needs want wants someone something anything everything "
    "thing things stuff like real".split()
)


def plain(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return _MARKUP.sub(" ", text)


def content_words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text) if w.lower() not in STOPWORDS]


def is_actionable(text: str) -> bool:
    """Anything beyond greetings and filler? ("hi there" is not a request.)"""
    return any(w not in GREETINGS for w in content_words(plain(text)))


def split_units(text: str) -> list[str]:
    """The request's units of work, in the order written."""
    pieces: list[str] = []
    for block in _LIST_ITEM.sub("\n", plain(text)).split("\n"):
        for sentence in _SENTENCES.split(block):
            for clause in _CLAUSE_JOINS.split(sentence):
                pieces.extend(_split_comma_and(clause))
    units: list[str] = []
    for piece in pieces:
        cleaned = piece.strip(" \t,.;:!?-")
        while (stripped := _FILLER.sub("", cleaned)) != cleaned:
            cleaned = stripped
        if len(content_words(cleaned)) >= 2 or (units == [] and content_words(cleaned)):
            units.append(cleaned[0].upper() + cleaned[1:] if cleaned else cleaned)
        elif units and cleaned:
            units[-1] = f"{units[-1]}, {cleaned}"
    return units


def _split_comma_and(clause: str) -> list[str]:
    # ", and" joins two pieces of work only when both sides say enough on their own.
    parts = _COMMA_AND.split(clause)
    if len(parts) > 1 and all(len(content_words(p)) >= 3 for p in parts):
        return parts
    return [clause]
