"""Builds a digest from the tracker: the event log for "since the previous digest", current
state for everything else. It never says more than the database can show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.digest import attention
from bot.digest.attention import tickets_by_ref
from bot.digest.model import Digest, NextInBatch, NextUp, Progress, Shipped
from tracker import ids, oracle
from tracker.models import Batch, Event
from tracker.queries import batch_view, ready_tickets
from tracker.service import Tracker
from tracker.states import BatchStatus, TicketStatus
from tracker.tables import BATCH, EVENT
from tracker.views import OracleVerdict

NEXT_PER_BATCH = 3


def build_digest(
    tracker: Tracker,
    *,
    now: datetime,
    since: datetime,
    tz: ZoneInfo,
    local_date: date | None = None,
    late_for: datetime | None = None,
    default_approvers: Sequence[str] = (),
) -> Digest:
    """The digest of what happened in (since, now] and of where things stand at `now`.

    The window is open at `since` so that consecutive digests never count an event twice.
    A lapsed lease becomes a fake_active event only when swept: callers sweep (see
    `settle_now`) before they fix `now`, so the incident falls inside the window.
    `default_approvers` (FOREMAN_APPROVERS) are who an ask naming nobody waits on.
    """
    with tracker.store.transaction() as session:
        shown = _shown_batches(session, since)
        verdicts = {b.id: oracle.judge(session, b, 0) for b in shown}
        progress = [_progress(session, b, verdicts[b.id]) for b in shown]
        active = [b for b in shown if b.status == BatchStatus.APPROVED]
        return Digest(
            local_date=local_date or now.astimezone(tz).date(),
            timezone=str(tz.key),
            since=since,
            until=now,
            shipped=shipped(session, since, now),
            batches=progress,
            waiting=attention.waiting(session, default_approvers),
            risks=attention.risks(
                session,
                now=now,
                since=since,
                tz=tz,
                active=active,
                verdicts=verdicts,
                default_approvers=default_approvers,
            ),
            next=[n for n in (_next(session, b) for b in active) if n.ready],
            late_for=late_for,
        )


def settle_now(tracker: Tracker) -> datetime:
    """Sweep lapsed leases, then read the clock: the moment a digest can cover up to."""
    tracker.sweep()
    return tracker.clock()


def _shown_batches(session: Session, since: datetime) -> list[Batch]:
    """Approved batches, and batches that finished within the window."""
    stmt = (
        select(Batch)
        .where(
            sa.or_(
                BATCH.status == BatchStatus.APPROVED,
                sa.and_(BATCH.status == BatchStatus.DONE, BATCH.updated_at > since),
            )
        )
        .order_by(BATCH.id)
    )
    return list(session.exec(stmt).all())


def _progress(session: Session, batch: Batch, verdict: OracleVerdict) -> Progress:
    view = batch_view(session, batch)
    return Progress(
        batch=view.id,
        title=view.title,
        status=view.status,
        finished=verdict.finished,
        total=verdict.total,
        due_at=batch.due_at,
        oracle_done=verdict.done,
        oracle_why=verdict.why,
    )


def shipped(session: Session, since: datetime, until: datetime) -> list[Shipped]:
    """Tickets whose latest `done` event falls in the window and that are still done."""
    events = session.exec(
        select(Event)
        .where(EVENT.kind == "done", EVENT.at > since, EVENT.at <= until)
        .order_by(EVENT.at, EVENT.id)
    ).all()
    latest: dict[str, Event] = {}
    for event in events:
        latest.pop(event.subject, None)
        latest[event.subject] = event
    tickets = tickets_by_ref(session, list(latest))
    out: list[Shipped] = []
    for ref, event in latest.items():
        ticket = tickets.get(ref)
        # Reopened since: its proof no longer stands, so it has not shipped.
        if ticket is None or ticket.status != TicketStatus.DONE:
            continue
        out.append(
            Shipped(
                ticket=ref,
                batch=ids.batch_ref(ticket.batch_id),
                title=ticket.title,
                at=event.at,
                actor=event.actor,
                proof=ticket.proof,
            )
        )
    return out


def _next(session: Session, batch: Batch) -> NextInBatch:
    ready = ready_tickets(session, batch.id)
    top = [
        NextUp(ticket=ids.ticket_ref(t.batch_id, t.seq), title=t.title, lane=t.lane)
        for t in ready[:NEXT_PER_BATCH]
    ]
    return NextInBatch(batch=ids.batch_ref(batch.id or 0), ready=len(ready), top=top)
