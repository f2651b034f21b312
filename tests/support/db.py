"""Database URLs for tests: a SQLite file always, PostgreSQL when FOREMAN_TEST_DATABASE_URL is set.

Each PostgreSQL test gets its own schema so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

PG_URL_ENV = "FOREMAN_TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    base = postgres_base_url()
    assert base is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'foreman-test.db'}"
