"""initial schema: batches, tickets, dependencies, leases, asks, events

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tracker.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("repo", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(64)),
        sa.Column("thread_ts", sa.String(32)),
        sa.Column("requested_by", sa.String(64)),
        sa.Column("plan_message_ts", sa.String(32)),
        sa.Column("approved_by", sa.String(64)),
        _ts("approved_at"),
        sa.Column("research_worker", sa.String(200)),
        _ts("research_lease_expires"),
        sa.Column("research_error", sa.Text()),
        _ts("due_at"),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
    )
    op.create_index("ix_batch_status", "batch", ["status"])

    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batch.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("acceptance_criteria", sa.JSON(), nullable=False),
        sa.Column("file_hooks", sa.JSON(), nullable=False),
        sa.Column("test_plan", sa.Text(), nullable=False),
        sa.Column("finish_line", sa.Text(), nullable=False),
        sa.Column("lane", sa.String(64), nullable=False),
        sa.Column("open_questions", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("proof", sa.JSON()),
        sa.Column("gate_reason", sa.Text()),
        sa.Column("discovered_from_id", sa.Integer(), sa.ForeignKey("ticket.id")),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        _ts("done_at"),
        sa.UniqueConstraint("batch_id", "seq", name="uq_ticket_batch_seq"),
    )
    op.create_index("ix_ticket_batch_id", "ticket", ["batch_id"])
    op.create_index("ix_ticket_status", "ticket", ["status"])

    op.create_table(
        "dependency",
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id"), primary_key=True),
        sa.Column("depends_on_id", sa.Integer(), sa.ForeignKey("ticket.id"), primary_key=True),
    )
    op.create_index("ix_dependency_depends_on_id", "dependency", ["depends_on_id"])

    op.create_table(
        "lease",
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id"), primary_key=True),
        sa.Column("worker", sa.String(200), nullable=False),
        _ts("claimed_at", nullable=False),
        _ts("heartbeat_at", nullable=False),
        _ts("expires_at", nullable=False),
    )
    op.create_index("ix_lease_expires_at", "lease", ["expires_at"])

    op.create_table(
        "ask",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("tried", sa.Text(), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batch.id")),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id")),
        sa.Column("pipeline", sa.String(200)),
        sa.Column("dedupe_key", sa.String(300), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        _ts("first_seen", nullable=False),
        _ts("last_seen", nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("raised_by", sa.String(200)),
        sa.Column("decided_by", sa.String(64)),
        _ts("decided_at"),
        sa.Column("note", sa.Text()),
        sa.Column("channel", sa.String(64)),
        sa.Column("message_ts", sa.String(32)),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        _ts("next_remind_at"),
        _ts("expires_at"),
    )
    op.create_index("ix_ask_batch_id", "ask", ["batch_id"])
    op.create_index("ix_ask_ticket_id", "ask", ["ticket_id"])
    op.create_index("ix_ask_dedupe_key", "ask", ["dedupe_key"])
    op.create_index("ix_ask_status", "ask", ["status"])
    op.create_index(
        "uq_ask_open_dedupe",
        "ask",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ts("at", nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.Integer()),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_event_at", "event", ["at"])
    op.create_index("ix_event_subject", "event", ["subject"])
    op.create_index("ix_event_batch_id", "event", ["batch_id"])
    op.create_index("ix_event_kind", "event", ["kind"])


def downgrade() -> None:
    for table in ("event", "ask", "lease", "dependency", "ticket", "batch"):
        op.drop_table(table)
