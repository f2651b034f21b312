"""Stable dedupe keys for failures.

The same wall seen again must become the same ask with a higher count, so a failure's key
must not change with what varies between runs (timestamps, request ids, temp paths, IPs,
durations) yet must change when the failure does (invalid_client vs invalid_grant, 401 vs
403).
"""

from __future__ import annotations

import hashlib
import re

from escalation.redact import redact

__all__ = ["error_signature", "normalise_error"]

_MAX_KEY_BODY = 160

# Order matters: timestamps before bare numbers, UUIDs before hex ids, paths before numbers.
_SUBSTITUTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
        ),
        "<ts>",
    ),
    (re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z\b)?(?![\d:])"), "<ts>"),
    # "Wed, 01 May 2024" and syslog's "May  1": a month name is only a date next to a day
    # number, because "may" is also an English word ("or it may not exist").
    (
        re.compile(
            r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,? +(?=\d|<ts>)"
            r"|\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}\b"
            r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* +\d{1,2}\b(?= <ts>)"
        ),
        "<date> ",
    ),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?![\w.])"), "<ip>"),
    (
        re.compile(
            r"(?<![\w:])(?=[0-9a-f]*:[0-9a-f]*:)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])"
        ),
        "<ip>",
    ),
    (re.compile(r"\b0x[0-9a-f]+\b"), "<hex>"),
    # Source positions move with every deploy; a line number in the 1xx–5xx range must not
    # pass for an HTTP status below.
    (re.compile(r"\bline \d+|(?<=\.[a-z]{2}):\d+(?::\d+)?|(?<=\.[a-z]{3}):\d+(?::\d+)?"), "<pos>"),
    # Ids (hex digests, request ids, generated names): letters mixed with at least two digits,
    # which spares names such as "urllib3" or "oauth2".
    (
        re.compile(r"(?<![a-z0-9])(?=[a-z]*\d[a-z]*\d)(?=\d*[a-z])[a-z0-9]{7,}(?![a-z0-9])"),
        "<id>",
    ),
)

# A quoted value that is a bare identifier (an error code such as "invalid_client", a
# permission such as 'monitoring.timeseries.create') says *which* failure this is and is
# kept; anything else quoted (a path, a message, an id) is a variable part.
_QUOTED = re.compile(r"(?<![a-z])'([^'\n]*)'(?![a-z])|\"([^\"\n]*)\"")
_IDENTIFIER = re.compile(r"[a-z_][a-z_.:-]{0,63}")
_PATH = re.compile(r"(?<![\w.<])(?:~|\.{1,2})?(?:/[\w.@%+=~<>-]+)+/?")
_PATH_VARIABLE_SEGMENT = re.compile(r"[^/]*\d[^/]*|tmp[^/]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_SPACE = re.compile(r"\s+")


def _quoted(match: re.Match[str]) -> str:
    value = match.group(1) if match.group(1) is not None else match.group(2)
    if _IDENTIFIER.fullmatch(value):
        return match.group(0)
    return "<q>"


def _path(match: re.Match[str]) -> str:
    segments = match.group(0).split("/")
    return "/".join(
        "*" if _PATH_VARIABLE_SEGMENT.fullmatch(segment) else segment for segment in segments
    )


def _number(match: re.Match[str]) -> str:
    # A standalone three-digit 1xx–5xx is an HTTP status, which tells failures apart.
    value = match.group(0)
    if len(value) == 3 and value.isdigit() and 100 <= int(value) <= 599 and _is_standalone(match):
        return value
    return "<n>"


def _is_standalone(match: re.Match[str]) -> bool:
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "_.") and not (after.isalnum() or after in "_.")


def normalise_error(text: str) -> str:
    """Redacted, lower-cased `text` with its run-to-run variable parts replaced."""
    text = redact(text).lower()
    for pattern, replacement in _SUBSTITUTIONS:
        text = pattern.sub(replacement, text)
    text = _QUOTED.sub(_quoted, text)
    text = _PATH.sub(_path, text)
    text = _NUMBER.sub(_number, text)
    return _SPACE.sub(" ", text).strip()


def error_signature(pipeline: str, error: str) -> str:
    """`<pipeline>:<normalised error>`, the key under which repeats of a failure are counted.

    Long errors (tracebacks) keep a readable head and end in a digest of the whole.
    """
    body = normalise_error(error)
    if len(body) > _MAX_KEY_BODY:
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
        body = f"{body[: _MAX_KEY_BODY - 20].rstrip()}…#{digest}"
    return f"{pipeline.strip().lower()}:{body}"
