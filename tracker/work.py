"""Claims, leases, heartbeats and completion: the trust gates a worker runs through."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker import ids
from tracker.errors import LeaseError, TrackerError, TransitionRefused
from tracker.models import Batch, Lease, Ticket
from tracker.proof import parse_proof
from tracker.queries import ready_statement, ticket_spec_problems
from tracker.states import FINISHED_TICKET_STATUSES, BatchStatus, TicketStatus
from tracker.store import fetch, record
from tracker.tables import LEASE, TICKET, TICKET_TABLE
from tracker.transitions import move_batch, move_ticket, ticket_subject

SYSTEM_ACTOR = "foreman"


def sweep_lapsed_leases(session: Session, now: datetime) -> list[str]:
    """Return every ticket whose lease lapsed to `open`, recording a fake_active incident."""
    lapsed = session.exec(
        select(Lease, Ticket)
        .join(Ticket, TICKET.id == LEASE.ticket_id)
        .where(LEASE.expires_at < now)
    ).all()
    swept: list[str] = []
    for lease, ticket in lapsed:
        session.delete(lease)
        if ticket.status != TicketStatus.ACTIVE:
            continue
        move_ticket(
            session,
            ticket,
            TicketStatus.OPEN,
            actor=SYSTEM_ACTOR,
            at=now,
            kind="fake_active",
            reason=(
                f"lease held by {lease.worker} lapsed at {lease.expires_at:%Y-%m-%d %H:%M:%S}Z "
                f"(last heartbeat {lease.heartbeat_at:%Y-%m-%d %H:%M:%S}Z); back in the ready set"
            ),
            data={
                "worker": lease.worker,
                "expired_at": lease.expires_at.isoformat(),
                "last_heartbeat": lease.heartbeat_at.isoformat(),
            },
        )
        swept.append(ticket_subject(ticket))
    return swept


def has_lapsed_leases(session: Session, now: datetime) -> bool:
    row = session.execute(sa.select(LEASE.ticket_id).where(LEASE.expires_at < now).limit(1))
    return row.first() is not None


def claim_next(
    session: Session,
    *,
    batch_id: int,
    worker: str,
    now: datetime,
    lease: timedelta,
    lane: str | None = None,
) -> Ticket | None:
    held = session.exec(
        select(Ticket)
        .join(Lease, LEASE.ticket_id == TICKET.id)
        .where(
            TICKET.batch_id == batch_id,
            TICKET.status == TicketStatus.ACTIVE,
            LEASE.worker == worker,
        )
        .order_by(TICKET.seq)
    ).first()
    if held is not None:
        # A worker that restarts and asks again gets its own claim back, renewed.
        _renew(session, held, worker, now, lease)
        return held
    stmt = ready_statement(batch_id, lane).limit(50)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=TICKET_TABLE, skip_locked=True)
    candidates = cast(list[Ticket], list(session.scalars(stmt).all()))
    for candidate in candidates:
        if ticket_spec_problems(candidate):
            continue
        # Compare-and-set: only one concurrent claimer sees its update take effect.
        won = session.execute(
            sa.update(Ticket)
            .where(TICKET.id == candidate.id, TICKET.status == TicketStatus.OPEN)
            .values(status=TicketStatus.ACTIVE.value, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue
        session.refresh(candidate)
        record(
            session,
            at=now,
            actor=worker,
            subject=ticket_subject(candidate),
            batch_id=candidate.batch_id,
            kind="claimed",
            from_state=TicketStatus.OPEN,
            to_state=TicketStatus.ACTIVE,
            reason=f"claimed by {worker}; lease until {(now + lease):%H:%M:%S}Z",
            data={"worker": worker},
        )
        assert candidate.id is not None
        session.add(
            Lease(
                ticket_id=candidate.id,
                worker=worker,
                claimed_at=now,
                heartbeat_at=now,
                expires_at=now + lease,
            )
        )
        return candidate
    return None


def _renew(session: Session, ticket: Ticket, worker: str, now: datetime, lease: timedelta) -> None:
    row = session.get(Lease, ticket.id)
    if row is None:
        raise LeaseError(
            f"{ticket_subject(ticket)} is active but has no lease; run foreman validate --fix"
        )
    row.heartbeat_at = now
    row.expires_at = now + lease
    session.add(row)


def heartbeat(
    session: Session, ticket: Ticket, *, worker: str, now: datetime, lease: timedelta
) -> Lease:
    subject = ticket_subject(ticket)
    row = session.get(Lease, ticket.id)
    if ticket.status != TicketStatus.ACTIVE or row is None:
        raise LeaseError(
            f"{subject} is {ticket.status}, not claimed: heartbeat refused "
            f"(claim it with foreman next)"
        )
    if row.worker != worker:
        raise LeaseError(f"{subject} is claimed by {row.worker}, not {worker}: heartbeat refused")
    row.heartbeat_at = now
    row.expires_at = now + lease
    session.add(row)
    return row


def release(session: Session, ticket: Ticket, *, worker: str, now: datetime, reason: str) -> None:
    row = session.get(Lease, ticket.id)
    if ticket.status != TicketStatus.ACTIVE or row is None:
        raise LeaseError(
            f"{ticket_subject(ticket)} is {ticket.status}, not claimed: nothing to release"
        )
    if row.worker != worker:
        raise LeaseError(
            f"{ticket_subject(ticket)} is claimed by {row.worker}, not {worker}: release refused"
        )
    session.delete(row)
    move_ticket(
        session, ticket, TicketStatus.OPEN, actor=worker, at=now, kind="released", reason=reason
    )


def complete(
    session: Session,
    ticket: Ticket,
    *,
    proof_text: str | None,
    actor: str,
    now: datetime,
    worker: str | None = None,
) -> None:
    proof = parse_proof(proof_text)
    subject = ticket_subject(ticket)
    row = session.get(Lease, ticket.id)
    if worker is not None and row is not None and row.worker != worker:
        raise LeaseError(f"{subject} is claimed by {row.worker}, not {worker}: done refused")
    if ticket.status == TicketStatus.OPEN:
        waiting = _unfinished_dependencies(session, ticket)
        if waiting:
            raise TransitionRefused(
                subject, "open", "done", "it depends on " + ", ".join(waiting) + " (not done)"
            )
    move_ticket(
        session,
        ticket,
        TicketStatus.DONE,
        actor=actor,
        at=now,
        kind="done",
        reason=f"proof: {proof.render()}",
        data={"proof": proof.to_dict()},
    )
    if row is not None:
        session.delete(row)
    ticket.proof = proof.to_dict()
    ticket.done_at = now
    session.add(ticket)
    settle_batch(session, ticket.batch_id, actor=actor, now=now)


def _unfinished_dependencies(session: Session, ticket: Ticket) -> list[str]:
    from tracker.queries import dependencies_of

    deps = dependencies_of(session, [ticket.id or 0]).get(ticket.id or 0, [])
    if not deps:
        return []
    rows = fetch(
        session,
        sa.select(TICKET.batch_id, TICKET.seq).where(
            TICKET.id.in_(deps), TICKET.status != TicketStatus.DONE
        ),
    )
    return [ids.ticket_ref(b, s) for b, s in rows]


def set_gate(
    session: Session, ticket: Ticket, *, to: TicketStatus, reason: str, actor: str, now: datetime
) -> None:
    """Move a ticket to human_gated, blocked, or back to open, with the reason kept."""
    if to in (TicketStatus.HUMAN_GATED, TicketStatus.BLOCKED) and not reason.strip():
        raise TrackerError(f"{ticket_subject(ticket)}: a reason is required to mark it {to}")
    lease_row = session.get(Lease, ticket.id)
    move_ticket(session, ticket, to, actor=actor, at=now, reason=reason)
    if lease_row is not None:
        session.delete(lease_row)
    if to == TicketStatus.OPEN:
        ticket.gate_reason = None
        ticket.proof = None
        ticket.done_at = None
    else:
        ticket.gate_reason = reason
    session.add(ticket)
    settle_batch(session, ticket.batch_id, actor=actor, now=now)


def settle_batch(session: Session, batch_id: int, *, actor: str, now: datetime) -> None:
    """Keep the batch's status in step with its tickets (approved ⇄ done)."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.status not in (BatchStatus.APPROVED, BatchStatus.DONE):
        return
    session.flush()
    rows = fetch(session, sa.select(TICKET.status, TICKET.proof).where(TICKET.batch_id == batch_id))
    finished = all(
        status in FINISHED_TICKET_STATUSES and (status != TicketStatus.DONE or proof)
        for status, proof in rows
    )
    if finished and rows and batch.status == BatchStatus.APPROVED:
        move_batch(
            session,
            batch,
            BatchStatus.DONE,
            actor=actor,
            at=now,
            reason="every ticket is done with proof or human-gated",
        )
    elif not finished and batch.status == BatchStatus.DONE:
        move_batch(
            session,
            batch,
            BatchStatus.APPROVED,
            actor=actor,
            at=now,
            reason="a ticket of the batch is no longer finished",
        )
