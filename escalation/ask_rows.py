"""Ask rows inside one transaction: insert, count, compare-and-set, and the tickets' effects.

Every status change here is an UPDATE … WHERE status = 'open' whose row count decides who
won: two processes clicking, reminding or expiring at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from escalation.ask_model import AskDetail, AskPolicy
from tracker import ids
from tracker.models import Ask, Batch, Ticket
from tracker.states import AskStatus, TicketStatus
from tracker.store import record, ticket_refs
from tracker.tables import ASK, TICKET
from tracker.transitions import ticket_subject
from tracker.work import set_gate

ASK_TABLE = Ask.__table__  # type: ignore[attr-defined]
WORKABLE = (TicketStatus.OPEN, TicketStatus.ACTIVE)


@dataclass
class NewAsk:
    kind: str
    action: str
    why: str
    key: str
    raised_by: str
    evidence: str = ""
    tried: str = ""
    approvers: list[str] = field(default_factory=list)
    ticket: Ticket | None = None
    pipeline: str | None = None
    occurrences: int = 1
    first_seen: datetime | None = None


def detail(session: Session, ask: Ask) -> AskDetail:
    return details(session, [ask])[0]


def details(session: Session, asks: list[Ask]) -> list[AskDetail]:
    refs = ticket_refs(session, sorted({t for a in asks for t in a.blocks} | _ticket_ids(asks)))
    batch_ids = sorted({a.batch_id for a in asks if a.batch_id is not None})
    batches = (
        {b.id: b for b in session.exec(select(Batch).where(Batch.id.in_(batch_ids))).all()}  # type: ignore[union-attr]
        if batch_ids
        else {}
    )
    out = []
    for a in asks:
        batch = batches.get(a.batch_id) if a.batch_id is not None else None
        out.append(
            AskDetail(
                id=ids.ask_ref(a.id or 0),
                kind=a.kind,
                action=a.action,
                why=a.why,
                evidence=a.evidence,
                tried=a.tried,
                status=a.status,
                approvers=list(a.approvers),
                blocks=[refs[t] for t in a.blocks if t in refs],
                batch=None if a.batch_id is None else ids.batch_ref(a.batch_id),
                ticket=None if a.ticket_id is None else refs.get(a.ticket_id),
                pipeline=a.pipeline,
                occurrences=a.occurrences,
                first_seen=a.first_seen,
                last_seen=a.last_seen,
                raised_by=a.raised_by,
                decided_by=a.decided_by,
                decided_at=a.decided_at,
                note=a.note,
                channel=a.channel,
                message_ts=a.message_ts,
                reminders_sent=a.reminders_sent,
                next_remind_at=a.next_remind_at,
                expires_at=a.expires_at,
                batch_channel=None if batch is None else batch.channel,
                batch_thread_ts=None if batch is None else batch.thread_ts,
                requested_by=None if batch is None else batch.requested_by,
            )
        )
    return out


def _ticket_ids(asks: list[Ask]) -> set[int]:
    return {a.ticket_id for a in asks if a.ticket_id is not None}


def open_ask(session: Session, key: str) -> Ask | None:
    return session.exec(
        select(Ask).where(ASK.dedupe_key == key, ASK.status == AskStatus.OPEN)
    ).first()


def count_occurrence(session: Session, ask: Ask, *, now: datetime, evidence: str) -> bool:
    """One more sighting of an open ask; False when it was decided meanwhile."""
    values: dict[str, Any] = {"occurrences": ASK.occurrences + 1, "last_seen": now}
    if evidence:
        values["evidence"] = evidence  # the newest evidence is what a decider needs
    won = session.execute(
        sa.update(ASK_TABLE).where(ASK.id == ask.id, ASK.status == AskStatus.OPEN).values(**values)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(ask)
    return True


def insert_ask(session: Session, new: NewAsk, *, now: datetime, policy: AskPolicy) -> Ask:
    """Insert and flush: a concurrent insert of the same open wall fails here, on the index."""
    ticket = new.ticket
    ask = Ask(
        kind=new.kind,
        action=new.action,
        why=new.why,
        evidence=new.evidence,
        tried=new.tried,
        approvers=list(new.approvers),
        blocks=[] if ticket is None or ticket.id is None else [ticket.id],
        batch_id=None if ticket is None else ticket.batch_id,
        ticket_id=None if ticket is None else ticket.id,
        pipeline=new.pipeline,
        dedupe_key=new.key,
        occurrences=new.occurrences,
        first_seen=new.first_seen or now,
        last_seen=now,
        status=AskStatus.OPEN,
        raised_by=new.raised_by,
        next_remind_at=now + policy.remind_after if policy.max_reminders > 0 else None,
        expires_at=now + policy.expire_after,
    )
    session.add(ask)
    session.flush()
    return ask


def block_ticket(session: Session, ask: Ask, ticket: Ticket, *, actor: str, now: datetime) -> None:
    """A wall stops the work: an open or claimed ticket waits until the ask is decided."""
    if ticket.status in WORKABLE:
        set_gate(
            session,
            ticket,
            to=TicketStatus.BLOCKED,
            reason=f"waiting on {ids.ask_ref(ask.id or 0)}: {ask.action}",
            actor=actor,
            now=now,
        )


def decide(
    session: Session, ask: Ask, *, to: AskStatus, by: str, now: datetime, note: str | None
) -> bool:
    """Compare-and-set on `open`: True for exactly one caller, however many race."""
    won = session.execute(
        sa.update(ASK_TABLE)
        .where(ASK.id == ask.id, ASK.status == AskStatus.OPEN)
        .values(status=to.value, decided_by=by, decided_at=now, note=note)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(ask)
    return True


def other_open_asks(session: Session, ticket_id: int, except_id: int | None) -> list[str]:
    rows = session.execute(
        sa.select(ASK.id).where(
            ASK.ticket_id == ticket_id, ASK.status == AskStatus.OPEN, ASK.id != except_id
        )
    ).all()
    return [ids.ask_ref(r[0]) for r in rows]


def blocked_tickets(session: Session, ask: Ask) -> list[Ticket]:
    if not ask.blocks:
        return []
    stmt = select(Ticket).where(Ticket.id.in_(list(ask.blocks))).with_for_update()  # type: ignore[union-attr]
    return list(session.exec(stmt).all())


def unblock(session: Session, ask: Ask, *, actor: str, now: datetime) -> list[str]:
    """Approved: blocked tickets go back to open unless another open ask still holds them."""
    ref = ids.ask_ref(ask.id or 0)
    reopened = []
    for ticket in blocked_tickets(session, ask):
        if ticket.status != TicketStatus.BLOCKED or ticket.id is None:
            continue
        waiting = other_open_asks(session, ticket.id, ask.id)
        if waiting:
            record(
                session,
                at=now,
                actor=actor,
                subject=ticket_subject(ticket),
                batch_id=ticket.batch_id,
                kind="still_blocked",
                reason=f"{ref} decided; still waiting on {', '.join(waiting)}",
            )
            continue
        set_gate(
            session,
            ticket,
            to=TicketStatus.OPEN,
            reason=f"{ref} approved by {actor}",
            actor=actor,
            now=now,
        )
        reopened.append(ticket_subject(ticket))
    return reopened


def gate(session: Session, ask: Ask, *, actor: str, now: datetime, reason: str) -> list[str]:
    """Denied: the work is not ours to do; the oracle counts it as human_gated, honestly."""
    ref = ids.ask_ref(ask.id or 0)
    gated = []
    for ticket in blocked_tickets(session, ask):
        if ticket.status not in (*WORKABLE, TicketStatus.BLOCKED):
            continue
        set_gate(
            session,
            ticket,
            to=TicketStatus.HUMAN_GATED,
            reason=f"{ref} denied by {actor}: {reason}",
            actor=actor,
            now=now,
        )
        gated.append(ticket_subject(ticket))
    return gated


def due(session: Session, column: Any, now: datetime, limit: int = 100) -> list[tuple[int, int]]:
    """(id, reminders_sent) of open asks whose `column` time has come."""
    rows = session.execute(
        sa.select(ASK.id, ASK.reminders_sent)
        .where(ASK.status == AskStatus.OPEN, column.is_not(None), column <= now)
        .order_by(ASK.id)
        .limit(limit)
    ).all()
    return [(int(r[0]), int(r[1])) for r in rows]


def uncarded(session: Session, limit: int) -> list[str]:
    found = session.execute(
        sa.select(ASK.id)
        .where(ASK.status == AskStatus.OPEN, ASK.message_ts.is_(None))
        .order_by(ASK.id)
        .limit(limit)
    ).all()
    return [ids.ask_ref(int(r[0])) for r in found]


def moot(session: Session, limit: int = 100) -> list[str]:
    """Open asks whose ticket is done or cancelled."""
    found = session.execute(
        sa.select(ASK.id)
        .select_from(ASK_TABLE.join(Ticket.__table__, ASK.ticket_id == TICKET.id))  # type: ignore[attr-defined]
        .where(
            ASK.status == AskStatus.OPEN,
            TICKET.status.in_([TicketStatus.DONE, TicketStatus.CANCELLED]),
        )
        .order_by(ASK.id)
        .limit(limit)
    ).all()
    return [ids.ask_ref(int(r[0])) for r in found]
