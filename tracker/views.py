"""Read models: what listings, the oracle, Slack and the digest render. JSON shapes are stable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Claim:
    worker: str
    claimed_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "worker": self.worker,
            "claimed_at": iso(self.claimed_at),
            "last_heartbeat": iso(self.heartbeat_at),
            "lease_expires": iso(self.expires_at),
        }


@dataclass(frozen=True)
class TicketView:
    id: str
    batch: str
    key: str
    title: str
    status: str
    ready: bool
    lane: str
    depends_on: list[str]
    waiting_on: list[str]
    claim: Claim | None
    proof: dict[str, Any] | None
    discovered_from: str | None
    scope: str
    acceptance_criteria: list[str]
    file_hooks: list[dict[str, Any]]
    test_plan: str
    finish_line: str
    open_questions: list[str]
    spec_problems: list[str]
    gate_reason: str | None
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "batch": self.batch,
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "ready": self.ready,
            "lane": self.lane,
            "depends_on": self.depends_on,
            "waiting_on": self.waiting_on,
            "claim": None if self.claim is None else self.claim.to_json(),
            "proof": self.proof,
            "discovered_from": self.discovered_from,
            "scope": self.scope,
            "acceptance_criteria": self.acceptance_criteria,
            "file_hooks": self.file_hooks,
            "test_plan": self.test_plan,
            "finish_line": self.finish_line,
            "open_questions": self.open_questions,
            "spec_problems": self.spec_problems,
            "gate_reason": self.gate_reason,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "done_at": iso(self.done_at),
        }


@dataclass(frozen=True)
class BatchView:
    id: str
    title: str
    status: str
    request: str
    repo: str
    channel: str | None
    thread_ts: str | None
    requested_by: str | None
    plan_message_ts: str | None
    approved_by: str | None
    approved_at: datetime | None
    research_error: str | None
    created_at: datetime
    updated_at: datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def finished(self) -> int:
        return self.counts.get("done", 0) + self.counts.get("human_gated", 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "request": self.request,
            "repo": self.repo,
            "channel": self.channel,
            "thread_ts": self.thread_ts,
            "requested_by": self.requested_by,
            "approved_by": self.approved_by,
            "approved_at": iso(self.approved_at),
            "research_error": self.research_error,
            "tickets": {"total": self.total, "finished": self.finished, **self.counts},
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(frozen=True)
class OracleItem:
    ticket: str
    status: str
    why: str

    def to_json(self) -> dict[str, str]:
        return {"ticket": self.ticket, "status": self.status, "why": self.why}


@dataclass(frozen=True)
class OracleVerdict:
    batch: str
    done: bool
    total: int
    finished: int
    why: str
    unfinished: list[OracleItem]

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "done": self.done,
            "total": self.total,
            "finished": self.finished,
            "why": self.why,
            "unfinished": [item.to_json() for item in self.unfinished],
        }


@dataclass(frozen=True)
class Violation:
    code: str
    subject: str
    message: str
    fixable: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "subject": self.subject,
            "message": self.message,
            "fixable": self.fixable,
        }


@dataclass(frozen=True)
class AskView:
    id: str
    kind: str
    action: str
    why: str
    status: str
    approvers: list[str]
    blocks: list[str]
    batch: str | None
    occurrences: int
    first_seen: datetime
    last_seen: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "action": self.action,
            "why": self.why,
            "status": self.status,
            "approvers": self.approvers,
            "blocks": self.blocks,
            "batch": self.batch,
            "occurrences": self.occurrences,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "decided_by": self.decided_by,
            "decided_at": iso(self.decided_at),
            "note": self.note,
        }
