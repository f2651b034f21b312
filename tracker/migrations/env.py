"""Alembic environment: always run with a connection handed in by tracker.db."""

from __future__ import annotations

from alembic import context

from tracker.models import SQLModel

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("tracker migrations run through tracker.db.upgrade(), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
