"""Typed column handles for SQL expressions (model attributes type as plain values)."""

from __future__ import annotations

from tracker.models import SQLModel

_tables = SQLModel.metadata.tables
TICKET = _tables["ticket"].c
BATCH = _tables["batch"].c
DEP = _tables["dependency"].c
LEASE = _tables["lease"].c
ASK = _tables["ask"].c
EVENT = _tables["event"].c
TICKET_TABLE = _tables["ticket"]
