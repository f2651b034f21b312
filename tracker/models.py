"""The tables. Statuses are stored as short strings (see tracker.states for the values).

Ticket references (FM-n.k) are derived from (batch_id, seq); nothing stores them as text
except events, whose subject must stay readable after the fact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

__all__ = [
    "Ask",
    "Batch",
    "Dependency",
    "DigestRun",
    "Event",
    "IdempotencyKey",
    "Lease",
    "SQLModel",
    "Ticket",
    "UTCDateTime",
]

from tracker.clock import as_utc, utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        # SQLite has no timezone type: store naive UTC so ordering and comparisons hold.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def _ts(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=sa.Column(sa.JSON(), nullable=False))


class Batch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_type=sa.String(300))
    request: str = Field(sa_type=sa.Text())
    repo: str = Field(default=".", sa_type=sa.String(1000))
    status: str = Field(default="received", sa_type=sa.String(32), index=True)
    channel: str | None = Field(default=None, sa_type=sa.String(64))
    thread_ts: str | None = Field(default=None, sa_type=sa.String(32))
    requested_by: str | None = Field(default=None, sa_type=sa.String(64))
    plan_message_ts: str | None = Field(default=None, sa_type=sa.String(32))
    approved_by: str | None = Field(default=None, sa_type=sa.String(64))
    approved_at: datetime | None = _ts()
    research_worker: str | None = Field(default=None, sa_type=sa.String(200))
    research_lease_expires: datetime | None = _ts()
    research_error: str | None = Field(default=None, sa_type=sa.Text())
    due_at: datetime | None = _ts()
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False)
    )


class Ticket(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("batch_id", "seq", name="uq_ticket_batch_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    seq: int
    key: str = Field(sa_type=sa.String(200))
    title: str = Field(sa_type=sa.String(300))
    scope: str = Field(default="", sa_type=sa.Text())
    acceptance_criteria: list[str] = _json(list)
    file_hooks: list[dict[str, Any]] = _json(list)
    test_plan: str = Field(default="", sa_type=sa.Text())
    finish_line: str = Field(default="", sa_type=sa.Text())
    lane: str = Field(default="build", sa_type=sa.String(64))
    open_questions: list[str] = _json(list)
    status: str = Field(default="draft", sa_type=sa.String(32), index=True)
    # none_as_null: "no proof" must be SQL NULL, not the JSON text null.
    proof: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(none_as_null=True))
    )
    gate_reason: str | None = Field(default=None, sa_type=sa.Text())
    discovered_from_id: int | None = Field(default=None, foreign_key="ticket.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False)
    )
    done_at: datetime | None = _ts()


class Dependency(SQLModel, table=True):
    """ticket_id cannot start until depends_on_id is done."""

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    depends_on_id: int = Field(foreign_key="ticket.id", primary_key=True, index=True)


class Lease(SQLModel, table=True):
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    worker: str = Field(sa_type=sa.String(200))
    claimed_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    heartbeat_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))


class Ask(SQLModel, table=True):
    __table_args__ = (
        # While an ask is open, the same wall is the same ask: one row per dedupe key.
        sa.Index(
            "uq_ask_open_dedupe",
            "dedupe_key",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=sa.String(32))
    action: str = Field(sa_type=sa.Text())
    why: str = Field(default="", sa_type=sa.Text())
    evidence: str = Field(default="", sa_type=sa.Text())
    tried: str = Field(default="", sa_type=sa.Text())
    approvers: list[str] = _json(list)
    blocks: list[int] = _json(list)
    batch_id: int | None = Field(default=None, foreign_key="batch.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    pipeline: str | None = Field(default=None, sa_type=sa.String(200))
    dedupe_key: str = Field(sa_type=sa.String(300), index=True)
    occurrences: int = 1
    first_seen: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    last_seen: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    status: str = Field(default="open", sa_type=sa.String(32), index=True)
    raised_by: str | None = Field(default=None, sa_type=sa.String(200))
    decided_by: str | None = Field(default=None, sa_type=sa.String(64))
    decided_at: datetime | None = _ts()
    note: str | None = Field(default=None, sa_type=sa.Text())
    channel: str | None = Field(default=None, sa_type=sa.String(64))
    message_ts: str | None = Field(default=None, sa_type=sa.String(32))
    reminders_sent: int = 0
    next_remind_at: datetime | None = _ts()
    expires_at: datetime | None = _ts()


class Event(SQLModel, table=True):
    """Append-only log of every state change: who, what, from, to, when, why."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(sa_type=sa.String(200))
    subject: str = Field(sa_type=sa.String(64), index=True)
    batch_id: int | None = Field(default=None, index=True)
    kind: str = Field(sa_type=sa.String(64), index=True)
    from_state: str | None = Field(default=None, sa_type=sa.String(32))
    to_state: str | None = Field(default=None, sa_type=sa.String(32))
    reason: str = Field(default="", sa_type=sa.Text())
    data: dict[str, Any] = _json(dict)


class IdempotencyKey(SQLModel, table=True):
    """An inbound delivery already acted on (e.g. a Slack event_id). Unique, so two
    deliveries of the same thing cannot both commit, even in two processes."""

    __tablename__ = "idempotency_key"

    key: str = Field(primary_key=True, sa_type=sa.String(300))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    result: str | None = Field(default=None, sa_type=sa.String(64))


class DigestRun(SQLModel, table=True):
    """One digest per channel per local day: the unique key is what makes it exactly one."""

    __tablename__ = "digest_run"
    __table_args__ = (sa.UniqueConstraint("channel", "local_date", name="uq_digest_channel_day"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=sa.String(64))
    local_date: str = Field(sa_type=sa.String(10))
    scheduled_for: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    claimed_by: str = Field(sa_type=sa.String(200))
    claimed_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    posted_at: datetime | None = _ts()
    message_ts: str | None = Field(default=None, sa_type=sa.String(32))
    late: bool = False
    covers_from: datetime | None = _ts()
