"""idempotency keys: inbound deliveries acted on exactly once

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tracker.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("result", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("idempotency_key")
