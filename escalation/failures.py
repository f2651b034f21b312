"""A failing job reports in: diagnosis, dedupe, and an ask only when a person is needed.

Transient failures (rate limits, timeouts, a flapping DNS answer) are Foreman's to handle:
the report is recorded as an event and answered with "retry after N seconds", which the job
or its scheduler acts on. Only when the same transient failure keeps coming back (the
`transient_escalate_after`-th report within `transient_window`) does it become an ask, whose
count starts at the number of reports and whose "tried" names the retries. A failure that
is not transient (a revoked credential, a missing permission) is an ask at once. While an
ask is open, every report of the same failure counts on it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from escalation import ask_rows as rows
from escalation.ask_model import MAX_EVIDENCE_CHARS, AskDetail, clean, dedupe_key, one_line
from escalation.diagnosis import Diagnosis, diagnose
from tracker.errors import TrackerError
from tracker.store import record
from tracker.tables import EVENT

if TYPE_CHECKING:
    from collections.abc import Sequence

    from escalation.asks import Escalations

Outcome = Literal["asked", "counted", "retry"]
REPORTED = "failure_reported"


@dataclass(frozen=True)
class FailureOutcome:
    outcome: Outcome  # asked: a new ask; counted: one more on an open ask; retry: no ask yet
    diagnosis: Diagnosis
    ask: AskDetail | None
    reports: int
    retry_after_seconds: int | None

    def to_json(self) -> dict[str, Any]:
        d = self.diagnosis
        return {
            "outcome": self.outcome,
            "pipeline": d.pipeline,
            "diagnosis": {
                "signature": d.signature,
                "kind": d.kind.value,
                "cause": d.cause,
                "action": d.action,
                "transient": d.transient,
                "evidence": d.evidence,
            },
            "reports": self.reports,
            "retry_after_seconds": self.retry_after_seconds,
            "ask": None if self.ask is None else self.ask.to_json(),
        }

    def summary(self) -> str:
        d = self.diagnosis
        if self.ask is None:
            wait = f" in {self.retry_after_seconds} s" if self.retry_after_seconds else ""
            return (
                f"{d.pipeline}: {d.signature} is transient: retry{wait} "
                f"(report {self.reports}; a person is asked if it keeps failing)"
            )
        if self.outcome == "asked":
            return f"{self.ask.id} raised ({self.ask.kind}): {self.ask.action}"
        return f"{self.ask.id} seen {self.ask.occurrences}× (still open): {self.ask.action}"


def failure_subject(key: str) -> str:
    """The event-log subject under which reports of one failure are counted."""
    return "FAIL-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def report_failure(
    esc: Escalations,
    pipeline: str,
    error: str,
    log: str | None,
    *,
    actor: str,
    approvers: Sequence[str] = (),
) -> FailureOutcome:
    pipeline = one_line(pipeline, 200)
    if not pipeline:
        raise TrackerError("a failure report needs the pipeline's name")
    if not error.strip():
        raise TrackerError(f"the failure report for {pipeline} has no error text")
    d = diagnose(pipeline, error, log)
    if d.signature == "unknown" and esc.diagnose_unknown is not None:
        d = esc.diagnose_unknown(d, error, log)
    action = one_line(d.action)
    key = dedupe_key(d.kind.value, action, ticket=None, pipeline=pipeline, signature=d.dedupe_key)
    new = rows.NewAsk(
        kind=d.kind.value,
        action=action,
        why=clean(d.cause),
        evidence=clean(d.evidence, MAX_EVIDENCE_CHARS),
        approvers=[a.strip() for a in approvers if a.strip()],
        key=key,
        raised_by=actor,
        pipeline=pipeline,
    )
    if not d.transient or _is_open(esc, key):
        raised = esc.raise_ask_for(new, None)
        outcome: Outcome = "asked" if raised.created else "counted"
        return FailureOutcome(outcome, d, raised.ask, raised.ask.occurrences, None)

    now = esc.now()
    subject = failure_subject(key)
    policy = esc.policy
    with esc.store.transaction() as session:
        record(
            session,
            at=now,
            actor=actor,
            subject=subject,
            kind=REPORTED,
            reason=f"{d.signature} (transient): {action}",
            data={"pipeline": pipeline, "signature": d.signature, "dedupe_key": key},
        )
    with esc.store.transaction() as session:
        seen = [
            row[0]
            for row in session.execute(
                sa.select(EVENT.at)
                .where(
                    EVENT.subject == subject,
                    EVENT.kind == REPORTED,
                    EVENT.at >= now - policy.transient_window,
                )
                .order_by(EVENT.at)
            ).all()
        ]
    if len(seen) < policy.transient_escalate_after:
        return FailureOutcome("retry", d, None, len(seen), d.retry_after_seconds)
    new.action = _escalated(action)
    new.occurrences = len(seen)
    new.first_seen = seen[0]
    wait = f", {d.retry_after_seconds} s apart" if d.retry_after_seconds else ""
    new.tried = clean(
        f"Foreman had {pipeline} retry on its own {len(seen) - 1}× since "
        f"{seen[0]:%a %H:%M}Z{wait}; it kept failing the same way."
    )
    raised = esc.raise_ask_for(new, None)
    outcome = "asked" if raised.created else "counted"
    return FailureOutcome(outcome, d, raised.ask, raised.ask.occurrences, None)


_WHILE_RETRIES_SUCCEED = re.compile(r"^nothing while retries succeed; if it keeps [^,;]+, ", re.I)


def _escalated(action: str) -> str:
    """The catalogue phrases a transient failure's action for while retries still work;
    once retrying has not helped, the ask is the part after "if it keeps failing"."""
    rest = _WHILE_RETRIES_SUCCEED.sub("", action, count=1)
    return rest[:1].upper() + rest[1:] if rest != action else action


def _is_open(esc: Escalations, key: str) -> bool:
    with esc.store.transaction() as session:
        return rows.open_ask(session, key) is not None
