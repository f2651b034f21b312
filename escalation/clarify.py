"""Open questions become clarification asks; an answer goes into the ticket it unblocks.

A ticket with open questions stays `draft` (it is not specified), so a clarification never
blocks it further. Answering writes the answer into the ticket's scope, removes the
question and validates the ticket again: with nothing left to ask and its batch approved,
it opens and joins the ready set.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from escalation import ask_rows as rows
from escalation.ask_model import AlreadyDecided, AskDetail, Raised, clean, dedupe_key, one_line
from tracker import ids
from tracker.models import Ask, Batch, Ticket
from tracker.queries import ticket_spec_problems
from tracker.states import AskKind, AskStatus, BatchStatus, TicketStatus
from tracker.store import get_ask, get_batch, get_ticket, record
from tracker.tables import TICKET
from tracker.transitions import move_ticket, ticket_subject
from tracker.work import set_gate

if TYPE_CHECKING:
    from escalation.asks import Escalations


def raise_clarifications(esc: Escalations, ref: str, *, actor: str) -> list[Raised]:
    """One ask per open question of a draft ticket (`FM-n.k`) or of every draft ticket of a
    batch (`FM-n`). Asking again is harmless: an open question is the same open ask."""
    with esc.store.transaction() as session:
        if "." in ref:
            tickets = [get_ticket(session, ref)]
        else:
            batch = get_batch(session, ref)
            tickets = list(
                session.exec(
                    select(Ticket)
                    .where(TICKET.batch_id == batch.id, TICKET.status == TicketStatus.DRAFT)
                    .order_by(TICKET.seq)
                ).all()
            )
        pending = []
        for ticket in tickets:
            if ticket.status != TicketStatus.DRAFT:
                continue
            requester = session.get(Batch, ticket.batch_id)
            asker = requester.requested_by if requester is not None else None
            pending += [
                (ticket_subject(ticket), ticket.title, q, asker) for q in ticket.open_questions
            ]
    raised = []
    for ticket_ref, title, question, asker in pending:
        action = one_line(question)
        if not action:
            continue
        new = rows.NewAsk(
            kind=AskKind.CLARIFICATION.value,
            action=action,
            why=clean(f"{ticket_ref} ({title}) cannot be fully specified until this is answered"),
            # Whoever asked for the work knows what they meant.
            approvers=[asker] if asker else [],
            key=dedupe_key(AskKind.CLARIFICATION, action, ticket=ticket_ref, pipeline=None),
            raised_by=actor,
        )
        raised.append(esc.raise_ask_for(new, ticket_ref))
    return raised


def answer_question(esc: Escalations, ref: str, *, by: str, answer: str) -> AskDetail:
    """Close the question with its answer (compare-and-set, like any decision)."""
    now = esc.now()
    with esc.store.transaction() as session:
        row = get_ask(session, ref)
        if not rows.decide(session, row, to=AskStatus.APPROVED, by=by, now=now, note=answer):
            session.rollback()
            raise AlreadyDecided(rows.detail(session, get_ask(session, ref)))
        touched = apply_answer(session, row, answer=answer, actor=by, now=now)
        record(
            session,
            at=now,
            actor=by,
            subject=ids.ask_ref(row.id or 0),
            batch_id=row.batch_id,
            kind="answered",
            from_state=AskStatus.OPEN,
            to_state=AskStatus.APPROVED,
            reason=answer,
            data={"tickets": touched},
        )
        return rows.detail(session, row)


def apply_answer(
    session: Session, ask: Ask, *, answer: str, actor: str, now: datetime
) -> list[str]:
    """Write the answer into the ticket and let it move on if nothing else holds it."""
    if ask.ticket_id is None:
        return []
    ticket = session.exec(
        select(Ticket).where(TICKET.id == ask.ticket_id).with_for_update()
    ).first()
    if ticket is None:
        return []
    ref = ids.ask_ref(ask.id or 0)
    question = ask.action
    ticket.scope = clean(
        f"{ticket.scope}\n\nAnswered by {actor} ({ref}): {question} — {answer}", 20_000
    )
    ticket.open_questions = [q for q in ticket.open_questions if one_line(q) != question]
    ticket.updated_at = now
    session.add(ticket)
    subject = ticket_subject(ticket)
    record(
        session,
        at=now,
        actor=actor,
        subject=subject,
        batch_id=ticket.batch_id,
        kind="clarified",
        reason=f"{question} — {answer}",
        data={"ask": ref, "open_questions": len(ticket.open_questions)},
    )
    if ticket.status == TicketStatus.BLOCKED:
        if rows.other_open_asks(session, ticket.id or 0, ask.id):
            return []
        set_gate(
            session, ticket, to=TicketStatus.OPEN, reason=f"{ref} answered", actor=actor, now=now
        )
        return [subject]
    if ticket.status != TicketStatus.DRAFT or ticket_spec_problems(ticket):
        return []
    batch = session.get(Batch, ticket.batch_id)
    if batch is None or batch.status != BatchStatus.APPROVED:
        return []  # approving the batch opens it
    move_ticket(
        session,
        ticket,
        TicketStatus.OPEN,
        actor=actor,
        at=now,
        reason=f"{ref} answered its last open question; the spec is complete",
    )
    return [subject]
