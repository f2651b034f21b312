"""Failure reports → diagnosis: which known wall a failing job hit, what caused it, the
concrete thing a human must do, and the redacted evidence to show with the ask.

Pure functions: no I/O, no clock, no tracker writes. The error and the log are redacted
before anything else looks at them, so neither the evidence nor the action can carry a
secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from escalation.failure_catalogue import first_failure
from escalation.failure_facts import extract_facts
from escalation.redact import redact
from escalation.signature import error_signature
from escalation.text_scan import fold, line_spans, literal_alternation
from tracker.states import AskKind

__all__ = ["Diagnosis", "diagnose", "summarise_lines"]

MAX_EVIDENCE_LINES = 20
MAX_EVIDENCE_CHARS = 2000
_MAX_LINE_CHARS = 300
_MAX_ERROR_IN_ACTION = 200
# How many lines either side of a failing line are read for facts: the host is often named
# on the line before ("connecting to db.internal"), a Retry-After header on the line after.
_CONTEXT_LINES = 2
_CONTEXT_SPANS = 20

Spans = list[tuple[int, int]]


class Diagnosis(BaseModel):
    """What a failure report means, ready to become an ask."""

    model_config = ConfigDict(frozen=True)

    pipeline: str
    signature: str
    kind: AskKind
    cause: str
    action: str
    transient: bool
    retry_after_seconds: int | None
    evidence: str
    match_count: int
    dedupe_key: str

    def to_dict(self) -> dict[str, object]:
        return self.model_dump()


# Log lines worth showing when the failure is not in the catalogue.
_ERRORISH = re.compile(
    literal_alternation(
        ("error", "exception", "fatal", "fail", "panic", "denied", "refused", "critical", "killed")
    )
)
_LEADING_TIMESTAMP = re.compile(
    r"^\s*\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?"
    r"[\s|:-]*"
)
# Enough to group repeats of one line that differ only in ids, counts and times; the full
# `normalise_error` is too slow for tens of thousands of log lines.
_VARIABLE = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|0x[0-9a-f]+|\d+")


def _strip_timestamp(line: str) -> str:
    return _LEADING_TIMESTAMP.sub("", line, count=1).strip()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1].rstrip()}…"


def summarise_lines(
    lines: Iterable[str],
    max_lines: int = MAX_EVIDENCE_LINES,
    max_chars: int = MAX_EVIDENCE_CHARS,
) -> str:
    """Group repeated lines, in order of first appearance, as `41 × "…"`, and keep the
    result within `max_lines` lines and `max_chars` characters. Lines must already be
    redacted."""
    first: dict[str, str] = {}
    counts: dict[str, int] = {}
    for line in lines:
        text = _strip_timestamp(line)
        if not text:
            continue
        key = _VARIABLE.sub("#", text.lower())
        first.setdefault(key, _shorten(text, _MAX_LINE_CHARS))
        counts[key] = counts.get(key, 0) + 1
    entries = [
        f'{counts[key]} × "{text}"' if counts[key] > 1 else text for key, text in first.items()
    ]
    kept: list[str] = []
    used = 0
    for index, entry in enumerate(entries):
        after = len(entries) - index - 1
        # Leave room for the closing "… and N more" line whenever something would follow.
        reserve = len(_more(after)) + 1 if after else 0
        if len(kept) + 1 + bool(after) > max_lines or used + len(entry) + 1 + reserve > max_chars:
            kept.append(_more(after + 1))
            break
        kept.append(entry)
        used += len(entry) + 1
    return "\n".join(kept)


def _more(count: int) -> str:
    return f"… and {count} more distinct lines"


def _lines(text: str, spans: Spans) -> list[str]:
    return [text[start:end] for start, end in spans]


def _around(text: str, spans: Spans) -> str:
    parts = []
    for line_start, line_end in spans[:_CONTEXT_SPANS]:
        start, end = line_start, line_end
        for _ in range(_CONTEXT_LINES):
            if start > 0:
                start = text.rfind("\n", 0, start - 1) + 1
            if end < len(text):
                following = text.find("\n", end + 1)
                end = len(text) if following < 0 else following
        parts.append(text[start:end])
    return "\n".join(parts)


def _headline(error: str) -> str:
    """The line that names the error: the first, except for a Python traceback, whose
    exception comes last."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    if not lines:
        return "(no error text)"
    line = lines[-1] if lines[0].startswith("Traceback (most recent call last)") else lines[0]
    return _shorten(line, _MAX_ERROR_IN_ACTION)


def diagnose(pipeline: str, error: str, log: str | None = None) -> Diagnosis:
    """Diagnose a failure of `pipeline` from its error message and, if given, its log."""
    error = redact(error)
    log = redact(log) if log else ""

    # The error says what failed; the log is searched only when the error is generic
    # ("exit status 1").
    found = first_failure(fold(error))
    from_log = found is None and bool(log)
    if from_log:
        found = first_failure(fold(log))
    if found is None:
        shown = _lines(log, line_spans(fold(log), _ERRORISH)) or error.splitlines()
        return Diagnosis(
            pipeline=pipeline,
            signature="unknown",
            kind=AskKind.DECISION,
            cause="The error is not in Foreman's catalogue of known failures.",
            action=f"Investigate {pipeline}: {_headline(error)}",
            transient=False,
            retry_after_seconds=None,
            evidence=summarise_lines(shown),
            match_count=len(shown),
            dedupe_key=error_signature(pipeline, error),
        )

    known, spans = found
    source = log if from_log else error
    if not from_log and log:
        # The log usually repeats the error line, many times over: show and count the
        # log's lines, not the error once more on top.
        log_spans = known.spans_in(fold(log))
        if log_spans:
            source, spans = log, log_spans
    shown = _lines(source, spans)
    facts = extract_facts(pipeline, near=f"{_around(source, spans)}\n{error}", log=log)
    cause, action = known.explain(facts)
    retry_after = (
        (facts.retry_after_seconds or known.retry_after_seconds) if known.transient else None
    )
    return Diagnosis(
        pipeline=pipeline,
        signature=known.signature,
        kind=known.kind,
        cause=redact(cause),
        action=redact(action),
        transient=known.transient,
        retry_after_seconds=retry_after,
        evidence=summarise_lines(shown),
        match_count=len(shown),
        # A generic error ("exit status 1") would make every failure of the pipeline the
        # same ask; key those by the log line that explains them instead.
        dedupe_key=error_signature(pipeline, shown[0] if from_log else error),
    )
