"""What escalation works with: the policy, a raised wall, the read model of an ask, refusals.

Nothing here knows Slack: approvers are opaque ids, and whoever shows an ask formats them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from escalation.redact import redact
from escalation.signature import normalise_error
from tracker.errors import TrackerError
from tracker.states import AskKind
from tracker.views import iso

Verdict = Literal["approve", "deny"]

# Stored texts are capped so one runaway log cannot bloat every listing that reads the row.
MAX_ACTION_CHARS = 1_000
MAX_TEXT_CHARS = 4_000
MAX_EVIDENCE_CHARS = 20_000


@dataclass(frozen=True)
class AskPolicy:
    remind_after: timedelta = timedelta(hours=4)
    max_reminders: int = 3
    expire_after: timedelta = timedelta(hours=72)
    # Whoever raised an ask may not approve it (denying stays allowed: saying no is safe).
    two_person_rule: bool = False
    # A transient failure becomes an ask once it was reported this often within the window.
    transient_escalate_after: int = 3
    transient_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class AskDetail:
    """One ask as every surface shows it (CLI, Slack card, JSON)."""

    id: str
    kind: str
    action: str
    why: str
    evidence: str
    tried: str
    status: str
    approvers: list[str]
    blocks: list[str]
    batch: str | None
    ticket: str | None
    pipeline: str | None
    occurrences: int
    first_seen: datetime
    last_seen: datetime
    raised_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    channel: str | None
    message_ts: str | None
    reminders_sent: int
    next_remind_at: datetime | None
    expires_at: datetime | None
    # Where the ask's batch lives in Slack, and who asked for it (the last-resort decider).
    batch_channel: str | None = None
    batch_thread_ts: str | None = None
    requested_by: str | None = None
    deciders: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_question(self) -> bool:
        return self.kind == AskKind.CLARIFICATION

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "action": self.action,
            "why": self.why,
            "evidence": self.evidence,
            "tried": self.tried,
            "status": self.status,
            "approvers": self.approvers,
            "may_decide": self.deciders,
            "blocks": self.blocks,
            "batch": self.batch,
            "ticket": self.ticket,
            "pipeline": self.pipeline,
            "occurrences": self.occurrences,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "raised_by": self.raised_by,
            "decided_by": self.decided_by,
            "decided_at": iso(self.decided_at),
            "note": self.note,
            "reminders_sent": self.reminders_sent,
            "next_remind_at": iso(self.next_remind_at),
            "expires_at": iso(self.expires_at),
            "card": None
            if self.message_ts is None
            else {"channel": self.channel, "ts": self.message_ts},
        }


@dataclass(frozen=True)
class Raised:
    """The result of raising a wall: a new ask, or one more occurrence of an open one."""

    ask: AskDetail
    created: bool


@dataclass(frozen=True)
class Reminder:
    ask: AskDetail
    number: int  # 1 for the first reminder


class AskRefused(TrackerError):
    """A decision that was not made; the message says why. Nothing changed."""

    def __init__(self, ref: str, message: str) -> None:
        super().__init__(f"{ref}: {message}")
        self.ref = ref


class NotAllowed(AskRefused):
    def __init__(self, ref: str, user: str, deciders: list[str], why: str = "") -> None:
        who = ", ".join(deciders) if deciders else "nobody (set FOREMAN_APPROVERS)"
        super().__init__(ref, why or f"only {who} may decide it; {user} may not. Nothing changed")
        self.user = user
        self.deciders = deciders
        self.why = why


class AlreadyDecided(AskRefused):
    def __init__(self, ask: AskDetail) -> None:
        when = "" if ask.decided_at is None else f" at {ask.decided_at:%Y-%m-%d %H:%M}Z"
        by = f" by {ask.decided_by}" if ask.decided_by else ""
        super().__init__(ask.id, f"it was already {ask.status}{by}{when}. Nothing changed")
        self.ask = ask


class AskExpired(AlreadyDecided):
    def __init__(self, ask: AskDetail) -> None:
        AskRefused.__init__(
            self,
            ask.id,
            "it expired without a decision, so nothing was approved; if it is still needed, "
            "raise the wall again. Nothing changed",
        )
        self.ask = ask


def clean(text: str | None, limit: int = MAX_TEXT_CHARS) -> str:
    """Redacted and bounded: the only form in which a text from outside is stored."""
    if not text:
        return ""
    text = redact(text.strip())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str, limit: int = MAX_ACTION_CHARS) -> str:
    """An action is read at a glance: one line, no layout from the source. Redacted before
    it is flattened: a key block or a YAML password is only recognisable with its lines."""
    return clean(" ".join(redact(text).split()), limit)


def who(actor: str) -> str:
    """A person or process as recorded (decided_by holds 64 characters): a secret pasted
    where a user id belongs is redacted like any other stored text."""
    return clean(actor, 64) or "someone"


def dedupe_key(
    kind: str, action: str, *, ticket: str | None, pipeline: str | None, signature: str = ""
) -> str:
    """The same wall (kind, normalised action, ticket or pipeline, error signature) → one key.

    The readable head makes a key recognisable in the database; the digest keeps it bounded.
    """
    target = ticket if ticket else f"pipeline:{(pipeline or '').strip().lower()}"
    body = f"{normalise_error(action)}\n{signature}"
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:24]
    return f"{kind}:{target[:200]}:{digest}"


def deciders_of(approvers: list[str], fallback: list[str], requested_by: str | None) -> list[str]:
    """The ask's approvers, else the configured approvers, else whoever asked for the work."""
    if approvers:
        return list(dict.fromkeys(approvers))
    if fallback:
        return list(dict.fromkeys(fallback))
    return [requested_by] if requested_by else []
