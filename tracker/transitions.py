"""The only code that changes a status. Every change is checked and appended to the log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from tracker import ids
from tracker.errors import TransitionRefused
from tracker.models import Ask, Batch, Ticket
from tracker.states import (
    ASK_TRANSITIONS,
    BATCH_TRANSITIONS,
    TICKET_TRANSITIONS,
    AskStatus,
    BatchStatus,
    TicketStatus,
)
from tracker.store import record

_TICKET_HINTS: dict[tuple[str, str], str] = {
    ("draft", "active"): "a draft ticket is not ready: its batch must be approved and its "
    "open questions answered",
    ("blocked", "done"): "it is blocked on an ask; the ask must be decided first",
    ("blocked", "active"): "it is blocked on an ask; the ask must be decided first",
    ("done", "done"): "it is already done",
    ("cancelled", "open"): "a cancelled ticket stays cancelled; file discovered work instead",
    ("human_gated", "done"): "a human gated it; reopen it first if the work is to be done",
}


def ticket_subject(ticket: Ticket) -> str:
    return ids.ticket_ref(ticket.batch_id, ticket.seq)


def move_ticket(
    session: Session,
    ticket: Ticket,
    to: TicketStatus,
    *,
    actor: str,
    at: datetime,
    reason: str = "",
    kind: str = "transition",
    data: dict[str, Any] | None = None,
) -> None:
    current = TicketStatus(ticket.status)
    subject = ticket_subject(ticket)
    if to not in TICKET_TRANSITIONS[current]:
        why = _TICKET_HINTS.get((current, to), f"{current} tickets cannot become {to}")
        raise TransitionRefused(subject, current, to, why)
    ticket.status = to
    ticket.updated_at = at
    session.add(ticket)
    record(
        session,
        at=at,
        actor=actor,
        subject=subject,
        batch_id=ticket.batch_id,
        kind=kind,
        from_state=current,
        to_state=to,
        reason=reason,
        data=data,
    )


def move_batch(
    session: Session,
    batch: Batch,
    to: BatchStatus,
    *,
    actor: str,
    at: datetime,
    reason: str = "",
    kind: str = "transition",
    data: dict[str, Any] | None = None,
) -> None:
    current = BatchStatus(batch.status)
    assert batch.id is not None
    subject = ids.batch_ref(batch.id)
    if to not in BATCH_TRANSITIONS[current]:
        why = "it is already " + to if current == to else f"a {current} batch cannot become {to}"
        raise TransitionRefused(subject, current, to, why)
    batch.status = to
    batch.updated_at = at
    session.add(batch)
    record(
        session,
        at=at,
        actor=actor,
        subject=subject,
        batch_id=batch.id,
        kind=kind,
        from_state=current,
        to_state=to,
        reason=reason,
        data=data,
    )


def move_ask(
    session: Session,
    ask: Ask,
    to: AskStatus,
    *,
    actor: str,
    at: datetime,
    reason: str = "",
    kind: str = "transition",
    data: dict[str, Any] | None = None,
) -> None:
    current = AskStatus(ask.status)
    assert ask.id is not None
    subject = ids.ask_ref(ask.id)
    if to not in ASK_TRANSITIONS[current]:
        raise TransitionRefused(subject, current, to, f"it was already {current}")
    ask.status = to
    session.add(ask)
    record(
        session,
        at=at,
        actor=actor,
        subject=subject,
        batch_id=ask.batch_id,
        kind=kind,
        from_state=current,
        to_state=to,
        reason=reason,
        data=data,
    )
