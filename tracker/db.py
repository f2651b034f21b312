"""Engines for SQLite and PostgreSQL, and the schema upgrade that runs on first use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool, StaticPool

# Bump together with a new file in tracker/migrations/versions; a test keeps them in step.
SCHEMA_HEAD = "0003"

_MIGRATIONS = Path(__file__).with_name("migrations")
_PG_UPGRADE_LOCK = 0x464F52454D414E  # "FOREMAN": one upgrader at a time per database


def normalise_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, long_lived: bool = True) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if not long_lived:
        # A CLI call uses one connection for a moment: no pool to keep healthy.
        return sa.create_engine(parsed, poolclass=NullPool)
    return sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_engine(url: URL) -> Engine:
    memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    elif url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE below is honoured.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers queue on the database lock up front instead of failing on upgrade from a
        # read lock: that is what makes compare-and-set claims safe across processes.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def current_revision(engine: Engine) -> str | None:
    # A plain query, not the inspector: this runs on every CLI start.
    with engine.connect() as conn:
        try:
            row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
        except sa.exc.DBAPIError:
            return None
        return None if row is None else str(row[0])


def upgrade(engine: Engine) -> None:
    """Bring the schema to head. Cheap when it is already there (one query, no Alembic)."""
    if current_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_UPGRADE_LOCK})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
