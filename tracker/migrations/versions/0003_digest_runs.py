"""digest runs: exactly one digest per channel per local day

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tracker.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("local_date", sa.String(10), nullable=False),
        sa.Column("scheduled_for", UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("posted_at", UTCDateTime()),
        sa.Column("message_ts", sa.String(32)),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("covers_from", UTCDateTime()),
        sa.UniqueConstraint("channel", "local_date", name="uq_digest_channel_day"),
    )


def downgrade() -> None:
    op.drop_table("digest_run")
