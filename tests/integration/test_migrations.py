"""Schema changes ship as migrations; the database upgrades itself on first use."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from tests.support.plans import plan, spec
from tracker import db
from tracker.models import SQLModel
from tracker.service import Tracker


def test_schema_head_constant_matches_the_migration_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(db.__file__).with_name("migrations")))
    assert ScriptDirectory.from_config(config).get_current_head() == db.SCHEMA_HEAD


def test_migrations_build_exactly_the_models_schema(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_first_use_upgrades_and_data_survives_reopening(db_url: str) -> None:
    tracker = Tracker.open(db_url)
    batch = tracker.import_plan(plan(spec("a")), actor="t").id
    tracker.close()
    engine = db.make_engine(db_url)
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    db.upgrade(engine)  # a second upgrade is a no-op, not a rebuild
    engine.dispose()
    reopened = Tracker.open(db_url)
    assert [t.key for t in reopened.tickets(batch=batch)] == ["a"]
    reopened.close()


def test_upgrade_from_an_empty_database_creates_every_table(db_url: str) -> None:
    engine = db.make_engine(db_url)
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert {"batch", "ticket", "dependency", "lease", "ask", "event", "alembic_version"} <= tables
