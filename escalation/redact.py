"""Secret redaction for everything that leaves Foreman: Slack posts, stored evidence, log
records and exception text.

`redact(text)` replaces each secret with a marker naming its kind, e.g.
`[redacted slack-bot-token]`, keeps the surrounding context (`password=`, `Bearer `, the user
and host of a URL) and is idempotent. The formats live in `escalation.secret_patterns`.

Logging: attach `RedactingFilter` to *handlers*, not loggers. A filter on a logger only sees
records created on that very logger; records from child loggers propagate straight to the
parent's handlers and skip the parent logger's filters. `install_log_redaction()` does that
for the handlers present when it is called; call it again after adding a handler.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import TypeVar, cast

from escalation.secret_patterns import (
    RULES,
    TOKEN_CHARS,
    Rule,
    is_placeholder,
    is_secret_key,
    kind_for_key,
    marker,
)

__all__ = [
    "RedactingFilter",
    "install_log_redaction",
    "is_secret_key",
    "redact",
    "redact_exception",
    "redact_obj",
]

T = TypeVar("T")


def _secret_span(rule: Rule, match: re.Match[str]) -> tuple[int, int]:
    for group in rule.groups:
        start, end = match.span(group)
        if start >= 0:
            return start, end
    return -1, -1


def _apply(rule: Rule, text: str, lowered: str) -> tuple[str, str]:
    """Apply one rule to `text`, given `lowered == text.lower()`; return both, updated."""
    # Offsets in the lower-cased copy are offsets in `text` only when no character
    # lower-cased to several (e.g. "İ"); then the copy is kept in step by applying the same
    # edits to it, which is much cheaper than lower-casing a large text after every rule.
    aligned = len(lowered) == len(text)
    subject, pattern = text, rule.pattern
    if rule.fold_case:
        if aligned:
            subject = lowered
        elif rule.fallback is not None:
            pattern = rule.fallback
    pieces: list[str] = []
    lowered_pieces: list[str] = []
    position = 0
    for match in pattern.finditer(subject):
        start, end = _secret_span(rule, match)
        if start >= end:
            continue
        if rule.bounded and match.start() > 0 and subject[match.start() - 1] in TOKEN_CHARS:
            continue
        if rule.accept is not None and not rule.accept(text[start:end]):
            continue
        replacement = marker(rule.kind_of(match))
        pieces += (text[position:start], replacement)
        if aligned:
            lowered_pieces += (lowered[position:start], replacement)
        position = end
    if not pieces:
        return text, lowered
    pieces.append(text[position:])
    redacted = "".join(pieces)
    if not aligned:
        return redacted, redacted.lower()
    lowered_pieces.append(lowered[position:])
    return redacted, "".join(lowered_pieces)


def redact(text: str) -> str:
    """Return `text` with every recognised secret replaced by `[redacted <kind>]`."""
    if not text:
        return text
    lowered = text.lower()
    for rule in RULES:
        if not rule.needles or any(needle in lowered for needle in rule.needles):
            text, lowered = _apply(rule, text, lowered)
    return text


def _redact_value_of_secret_key(key: str, value: object) -> object:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str | bytes | int | float):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        return value if is_placeholder(text) else marker(kind_for_key(key))
    return redact_obj(value)


def redact_obj(obj: T) -> T:
    """Redact a structure of dicts, lists, tuples and strings: every string goes through
    `redact`, and the whole value of a secret-named key (`is_secret_key`) is replaced, even
    when it matches no known format. Other values are returned unchanged."""
    result: object
    if isinstance(obj, str):
        result = redact(obj)
    elif isinstance(obj, Mapping):
        result = {
            (redact(key) if isinstance(key, str) else key): (
                _redact_value_of_secret_key(key, value)
                if isinstance(key, str) and is_secret_key(key)
                else redact_obj(value)
            )
            for key, value in obj.items()
        }
    elif isinstance(obj, list):
        result = [redact_obj(item) for item in obj]
    elif isinstance(obj, tuple):
        result = tuple(redact_obj(item) for item in obj)
    else:
        result = obj
    return cast(T, result)


def redact_exception(exc: BaseException) -> str:
    """The exception with its traceback, chained causes and notes, redacted."""
    return redact("".join(traceback.format_exception(exc)))


# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_RECORD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_EXCEPTION_FORMATTER = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Redacts a record in place and lets it through.

    The message is rendered (`msg % args`) and redacted, then `args` is cleared so no
    formatter renders the raw arguments again. A traceback is rendered once into `exc_text`
    and `exc_info` is dropped: the standard `Formatter` then prints the cached, redacted
    text, and formatters that would call `formatException(record.exc_info)` themselves have
    nothing unredacted left to render. Values passed with `extra=` are redacted too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # Arguments that do not fit the format string must still be logged, not raise
            # out of the caller's logging call.
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if getattr(record, "message", None) is not None:
            record.message = record.msg
        if record.exc_info and not record.exc_text:
            record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_RECORD_ATTRS:
                setattr(
                    record,
                    name,
                    _redact_value_of_secret_key(name, value)
                    if is_secret_key(name)
                    else redact_obj(value),
                )
        return True


_FILTER = RedactingFilter()


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one `RedactingFilter` to every handler of `logger` (the root logger by
    default) that lacks one, and return it. Handlers added afterwards are not covered."""
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(_FILTER)
    return _FILTER
