"""Invariant checks over the whole database, and the healing of the safe ones."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker import ids
from tracker.graph import find_cycle
from tracker.models import Batch, Dependency, Lease, Ticket
from tracker.queries import ticket_spec_problems
from tracker.states import FINISHED_TICKET_STATUSES, BatchStatus, TicketStatus
from tracker.store import fetch
from tracker.tables import BATCH, DEP, LEASE, TICKET, TICKET_TABLE
from tracker.transitions import move_ticket, ticket_subject
from tracker.views import Violation
from tracker.work import SYSTEM_ACTOR, settle_batch, sweep_lapsed_leases


def check(session: Session, now: datetime) -> list[Violation]:
    found: list[Violation] = []
    found += _lease_violations(session, now)
    found += _proof_violations(session)
    found += _edge_violations(session)
    found += _spec_violations(session)
    found += _batch_violations(session)
    return found


def heal(session: Session, now: datetime, actor: str = SYSTEM_ACTOR) -> list[str]:
    """Fix what can be fixed without deciding anything for a human; say what was done."""
    done: list[str] = []
    for ref in sweep_lapsed_leases(session, now):
        done.append(f"{ref}: lease lapsed, returned to open (fake_active recorded)")
    orphan_leases = session.exec(
        select(Lease, Ticket)
        .join(Ticket, TICKET.id == LEASE.ticket_id)
        .where(TICKET.status != TicketStatus.ACTIVE)
    ).all()
    for lease, ticket in orphan_leases:
        session.delete(lease)
        done.append(f"{ticket_subject(ticket)}: removed a stale lease of {lease.worker}")
    unleased = session.exec(
        select(Ticket).where(
            TICKET.status == TicketStatus.ACTIVE,
            ~sa.exists().where(LEASE.ticket_id == TICKET.id),
        )
    ).all()
    for ticket in unleased:
        move_ticket(
            session,
            ticket,
            TicketStatus.OPEN,
            actor=actor,
            at=now,
            kind="fake_active",
            reason="active with no lease: nobody can be working it",
        )
        done.append(f"{ticket_subject(ticket)}: active without a lease, returned to open")
    for ticket in session.exec(select(Ticket).where(TICKET.status == TicketStatus.DONE)).all():
        if not ticket.proof:
            move_ticket(
                session,
                ticket,
                TicketStatus.OPEN,
                actor=actor,
                at=now,
                reason="done without proof is not done",
            )
            done.append(f"{ticket_subject(ticket)}: done without proof, reopened")
    dangling = _dangling_edges(session)
    for ticket_id, depends_on_id in dangling:
        session.execute(
            sa.delete(Dependency).where(
                DEP.ticket_id == ticket_id,
                DEP.depends_on_id == depends_on_id,
            )
        )
        done.append(f"removed dangling edge {ticket_id} → {depends_on_id}")
    for batch in session.exec(
        select(Batch).where(BATCH.status.in_([BatchStatus.APPROVED, BatchStatus.DONE]))
    ).all():
        before = batch.status
        settle_batch(session, batch.id or 0, actor=actor, now=now)
        if batch.status != before:
            done.append(f"{ids.batch_ref(batch.id or 0)}: {before} → {batch.status}")
    return done


def _lease_violations(session: Session, now: datetime) -> list[Violation]:
    found: list[Violation] = []
    rows = fetch(
        session,
        sa.select(TICKET.batch_id, TICKET.seq, LEASE.worker, LEASE.expires_at)
        .select_from(Ticket)
        .outerjoin(Lease, LEASE.ticket_id == TICKET.id)
        .where(TICKET.status == TicketStatus.ACTIVE),
    )
    for batch_id, seq, worker, expires in rows:
        ref = ids.ticket_ref(batch_id, seq)
        if worker is None:
            found.append(
                Violation("active_without_lease", ref, f"{ref} is active with no lease", True)
            )
        elif expires < now:
            found.append(
                Violation(
                    "lease_lapsed",
                    ref,
                    f"{ref} is active but {worker}'s lease lapsed at {expires:%Y-%m-%d %H:%M:%S}Z",
                    True,
                )
            )
    stale = fetch(
        session,
        sa.select(TICKET.batch_id, TICKET.seq, TICKET.status)
        .join(Lease, LEASE.ticket_id == TICKET.id)
        .where(TICKET.status != TicketStatus.ACTIVE),
    )
    for batch_id, seq, status in stale:
        ref = ids.ticket_ref(batch_id, seq)
        found.append(
            Violation("stale_lease", ref, f"{ref} is {status} but still has a lease", True)
        )
    return found


def _proof_violations(session: Session) -> list[Violation]:
    rows = fetch(
        session,
        sa.select(TICKET.batch_id, TICKET.seq, TICKET.proof).where(
            TICKET.status == TicketStatus.DONE
        ),
    )
    return [
        Violation("done_without_proof", ref, f"{ref} is done without proof", True)
        for batch_id, seq, proof in rows
        if not proof
        for ref in [ids.ticket_ref(batch_id, seq)]
    ]


def _dangling_edges(session: Session) -> list[tuple[int, int]]:
    known = sa.select(TICKET.id)
    rows = fetch(
        session,
        sa.select(DEP.ticket_id, DEP.depends_on_id).where(
            sa.or_(
                DEP.ticket_id.not_in(known),
                DEP.depends_on_id.not_in(known),
            )
        ),
    )
    return [(a, b) for a, b in rows]


def _edge_violations(session: Session) -> list[Violation]:
    found = [
        Violation("dangling_edge", f"{a}→{b}", f"dependency {a} → {b} names a missing ticket", True)
        for a, b in _dangling_edges(session)
    ]
    down_table, up_table = TICKET_TABLE.alias("down"), TICKET_TABLE.alias("up")
    down, up = down_table.c, up_table.c
    rows = fetch(
        session,
        sa.select(
            down.id, down.batch_id, down.seq, down.status, up.id, up.batch_id, up.seq, up.status
        )
        .select_from(Dependency)
        .join(down_table, down.id == DEP.ticket_id)
        .join(up_table, up.id == DEP.depends_on_id),
    )
    edges: dict[int, list[int]] = {}
    refs: dict[int, str] = {}
    for d_id, d_batch, d_seq, d_status, u_id, u_batch, u_seq, u_status in rows:
        d_ref, u_ref = ids.ticket_ref(d_batch, d_seq), ids.ticket_ref(u_batch, u_seq)
        refs[d_id], refs[u_id] = d_ref, u_ref
        edges.setdefault(d_id, []).append(u_id)
        if d_batch != u_batch:
            found.append(
                Violation(
                    "cross_batch_edge", d_ref, f"{d_ref} depends on {u_ref} in another batch", False
                )
            )
        if d_status in (TicketStatus.ACTIVE, TicketStatus.DONE) and u_status != TicketStatus.DONE:
            found.append(
                Violation(
                    "started_before_dependency",
                    d_ref,
                    f"{d_ref} is {d_status} but depends on {u_ref}, which is {u_status}",
                    False,
                )
            )
    cycle = find_cycle(edges)
    if cycle:
        named = " → ".join(refs[n] for n in cycle)
        found.append(Violation("cycle", refs[cycle[0]], f"dependency cycle: {named}", False))
    return found


def _spec_violations(session: Session) -> list[Violation]:
    found: list[Violation] = []
    for ticket in session.exec(select(Ticket).where(TICKET.status == TicketStatus.OPEN)).all():
        problems = ticket_spec_problems(ticket)
        if problems:
            ref = ticket_subject(ticket)
            found.append(
                Violation(
                    "open_unspecified",
                    ref,
                    f"{ref} is open but never ready: " + "; ".join(problems),
                    False,
                )
            )
    return found


def _batch_violations(session: Session) -> list[Violation]:
    found: list[Violation] = []
    rows = fetch(
        session,
        sa.select(BATCH.id, BATCH.status, TICKET.status, TICKET.proof)
        .join(Ticket, TICKET.batch_id == BATCH.id)
        .where(BATCH.status.in_([BatchStatus.DONE, BatchStatus.APPROVED])),
    )
    unfinished: dict[int, int] = {}
    status_of: dict[int, str] = {}
    for batch_id, batch_status, status, proof in rows:
        status_of[batch_id] = batch_status
        ok = status in FINISHED_TICKET_STATUSES and (status != TicketStatus.DONE or bool(proof))
        unfinished[batch_id] = unfinished.get(batch_id, 0) + (0 if ok else 1)
    for batch_id, count in unfinished.items():
        ref = ids.batch_ref(batch_id)
        if status_of[batch_id] == BatchStatus.DONE and count:
            found.append(
                Violation(
                    "batch_done_with_open_tickets",
                    ref,
                    f"{ref} is done but {count} of its tickets are not finished",
                    True,
                )
            )
        elif status_of[batch_id] == BatchStatus.APPROVED and not count:
            found.append(
                Violation(
                    "batch_finished_not_done",
                    ref,
                    f"{ref} has every ticket finished but is still approved",
                    True,
                )
            )
    return found
