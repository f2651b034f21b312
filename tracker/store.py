"""Sessions, transactions, reference lookups and the event log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tracker import ids
from tracker.clock import Clock, utcnow
from tracker.db import make_engine, upgrade
from tracker.errors import NotFound
from tracker.models import Ask, Batch, Event, Ticket


class Store:
    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    @classmethod
    def open(cls, url: str, clock: Clock = utcnow, *, long_lived: bool = True) -> Store:
        engine = make_engine(url, long_lived=long_lived)
        upgrade(engine)
        return cls(engine, clock)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed whole, or (on any exception) not at all."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    subject: str,
    kind: str,
    batch_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    event = Event(
        at=at,
        actor=actor,
        subject=subject,
        batch_id=batch_id,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
    session.add(event)
    return event


def get_batch(session: Session, ref: str, *, for_update: bool = False) -> Batch:
    batch_id = ids.parse_batch(ref)
    stmt = select(Batch).where(Batch.id == batch_id)
    if for_update:
        stmt = stmt.with_for_update()
    batch = session.exec(stmt).first()
    if batch is None:
        raise NotFound(f"no batch {ids.batch_ref(batch_id)}")
    return batch


def get_ticket(session: Session, ref: str, *, for_update: bool = False) -> Ticket:
    batch_id, seq = ids.parse_ticket(ref)
    stmt = select(Ticket).where(Ticket.batch_id == batch_id, Ticket.seq == seq)
    if for_update:
        stmt = stmt.with_for_update()
    ticket = session.exec(stmt).first()
    if ticket is None:
        raise NotFound(f"no ticket {ids.ticket_ref(batch_id, seq)}")
    return ticket


def get_ask(session: Session, ref: str, *, for_update: bool = False) -> Ask:
    ask_id = ids.parse_ask(ref)
    stmt = select(Ask).where(Ask.id == ask_id)
    if for_update:
        stmt = stmt.with_for_update()
    ask = session.exec(stmt).first()
    if ask is None:
        raise NotFound(f"no ask {ids.ask_ref(ask_id)}")
    return ask


def ticket_refs(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    if not ticket_ids:
        return {}
    rows = session.execute(
        sa.select(Ticket.id, Ticket.batch_id, Ticket.seq).where(  # type: ignore[call-overload]
            Ticket.id.in_(ticket_ids)  # type: ignore[union-attr]
        )
    ).all()
    return {row[0]: ids.ticket_ref(row[1], row[2]) for row in rows}


def fetch(session: Session, statement: sa.Executable) -> list[tuple[Any, ...]]:
    """Rows of a core SELECT as plain tuples (column values, not model objects)."""
    return [tuple(row) for row in session.execute(statement).all()]
