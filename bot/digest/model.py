"""What a digest says, as data: built from the tracker, rendered as text, Block Kit or JSON.

Every item carries the references and times the database holds, so a reader (or a test) can
check each line against the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from tracker.views import iso

WaitingKind = Literal["ask", "plan", "draft", "blocked"]
RiskKind = Literal[
    "fake_active",
    "old_ask",
    "recurring_failure",
    "stalled_batch",
    "overdue_batch",
    "reopened",
    "research_failed",
    "validation",
]


@dataclass(frozen=True)
class Shipped:
    ticket: str
    batch: str
    title: str
    at: datetime
    actor: str
    proof: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket,
            "batch": self.batch,
            "title": self.title,
            "at": iso(self.at),
            "actor": self.actor,
            "proof": self.proof,
        }


@dataclass(frozen=True)
class Progress:
    batch: str
    title: str
    status: str
    finished: int
    total: int
    due_at: datetime | None
    oracle_done: bool
    oracle_why: str

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "title": self.title,
            "status": self.status,
            "finished": self.finished,
            "total": self.total,
            "due_at": iso(self.due_at),
            "oracle": {"done": self.oracle_done, "why": self.oracle_why},
        }


@dataclass(frozen=True)
class Waiting:
    """Something only a person can move: an ask, a plan, a question, a block."""

    kind: WaitingKind
    ref: str
    title: str
    detail: str
    people: list[str] = field(default_factory=list)
    since: datetime | None = None
    blocks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "title": self.title,
            "detail": self.detail,
            "people": self.people,
            "since": iso(self.since),
            "blocks": self.blocks,
        }


@dataclass(frozen=True)
class Risk:
    kind: RiskKind
    subject: str
    summary: str  # plain text; renderers escape it
    at: datetime | None = None
    people: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "summary": self.summary,
            "at": iso(self.at),
            "people": self.people,
        }


@dataclass(frozen=True)
class NextUp:
    ticket: str
    title: str
    lane: str

    def to_json(self) -> dict[str, Any]:
        return {"ticket": self.ticket, "title": self.title, "lane": self.lane}


@dataclass(frozen=True)
class NextInBatch:
    batch: str
    ready: int
    top: list[NextUp]

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.batch, "ready": self.ready, "top": [t.to_json() for t in self.top]}


@dataclass(frozen=True)
class Digest:
    local_date: date
    timezone: str
    since: datetime
    until: datetime
    shipped: list[Shipped]
    batches: list[Progress]
    waiting: list[Waiting]
    risks: list[Risk]
    next: list[NextInBatch]
    # The scheduled time this digest missed, when it is posted late.
    late_for: datetime | None = None

    @property
    def quiet(self) -> bool:
        return not (self.shipped or self.batches or self.waiting or self.risks or self.next)

    def people(self) -> set[str]:
        return {p for w in self.waiting for p in w.people} | {
            p for r in self.risks for p in r.people
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.local_date.isoformat(),
            "timezone": self.timezone,
            "since": iso(self.since),
            "until": iso(self.until),
            "late_for": iso(self.late_for),
            "quiet": self.quiet,
            "shipped": [s.to_json() for s in self.shipped],
            "batches": [b.to_json() for b in self.batches],
            "waiting": [w.to_json() for w in self.waiting],
            "risks": [r.to_json() for r in self.risks],
            "next": [n.to_json() for n in self.next],
        }
