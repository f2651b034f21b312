"""Derived state: the ready set, a batch's graph, and the views built from them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker import ids
from tracker.models import Ask, Batch, Dependency, Lease, Ticket
from tracker.spec import spec_problems
from tracker.states import BatchStatus, TicketStatus
from tracker.store import fetch, ticket_refs
from tracker.tables import BATCH, DEP, LEASE, TICKET, TICKET_TABLE
from tracker.views import AskView, BatchView, Claim, TicketView


def ticket_spec_problems(ticket: Ticket) -> list[str]:
    problems = spec_problems(
        ticket.title,
        ticket.scope,
        ticket.acceptance_criteria,
        ticket.test_plan,
        ticket.finish_line,
        ticket.file_hooks,
    )
    if ticket.open_questions:
        problems.append(f"{len(ticket.open_questions)} open question(s)")
    return problems


def ready_statement(
    batch_id: int | None = None, lane: str | None = None
) -> sa.Select[tuple[Ticket]]:
    """Open tickets of approved batches whose every dependency is done."""
    upstream_table = TICKET_TABLE.alias("upstream")
    upstream = upstream_table.c
    unfinished_dependency = (
        sa.select(sa.literal(1))
        .select_from(Dependency)
        .join(upstream_table, upstream.id == DEP.depends_on_id)
        .where(DEP.ticket_id == TICKET.id, upstream.status != TicketStatus.DONE)
        .exists()
    )
    stmt = (
        select(Ticket)
        .join(Batch, BATCH.id == TICKET.batch_id)
        .where(
            TICKET.status == TicketStatus.OPEN,
            BATCH.status == BatchStatus.APPROVED,
            ~unfinished_dependency,
        )
        .order_by(TICKET.batch_id, TICKET.seq)
    )
    if batch_id is not None:
        stmt = stmt.where(TICKET.batch_id == batch_id)
    if lane is not None:
        stmt = stmt.where(TICKET.lane == lane)
    return stmt  # type: ignore[return-value]


def ready_tickets(
    session: Session, batch_id: int | None = None, lane: str | None = None
) -> list[Ticket]:
    # The spec check is Python, not SQL, so it is the one rule shared with plan validation.
    candidates = session.exec(ready_statement(batch_id, lane)).all()  # type: ignore[call-overload]
    return [t for t in candidates if not ticket_spec_problems(t)]


def dependencies_of(session: Session, ticket_ids: Iterable[int]) -> dict[int, list[int]]:
    wanted = list(ticket_ids)
    deps: dict[int, list[int]] = defaultdict(list)
    if not wanted:
        return deps
    # Chunk so a 10,000-ticket batch stays under every backend's bound-parameter limit.
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        rows = fetch(
            session, sa.select(DEP.ticket_id, DEP.depends_on_id).where(DEP.ticket_id.in_(chunk))
        )
        for ticket_id, depends_on_id in rows:
            deps[ticket_id].append(depends_on_id)
    return deps


def batch_dependencies(session: Session, batch_id: int) -> dict[int, list[int]]:
    rows = fetch(
        session,
        sa.select(DEP.ticket_id, DEP.depends_on_id)
        .join(Ticket, TICKET.id == DEP.ticket_id)
        .where(TICKET.batch_id == batch_id),
    )
    deps: dict[int, list[int]] = defaultdict(list)
    for ticket_id, depends_on_id in rows:
        deps[ticket_id].append(depends_on_id)
    return deps


def ticket_views(session: Session, tickets: list[Ticket]) -> list[TicketView]:
    """Views for `tickets`, with references, readiness and claims resolved in bulk."""
    by_id = {t.id: t for t in tickets if t.id is not None}
    deps = dependencies_of(session, by_id)
    related = {d for ds in deps.values() for d in ds} | {
        t.discovered_from_id for t in tickets if t.discovered_from_id is not None
    }
    missing = [i for i in related if i not in by_id]
    status_of: dict[int, tuple[str, str]] = {
        i: (ids.ticket_ref(t.batch_id, t.seq), t.status) for i, t in by_id.items()
    }
    for start in range(0, len(missing), 900):
        rows = fetch(
            session,
            sa.select(TICKET.id, TICKET.batch_id, TICKET.seq, TICKET.status).where(
                TICKET.id.in_(missing[start : start + 900])
            ),
        )
        for tid, bid, seq, status in rows:
            status_of[tid] = (ids.ticket_ref(bid, seq), status)
    leases = (
        {
            lease.ticket_id: lease
            for lease in session.exec(select(Lease).where(LEASE.ticket_id.in_(list(by_id)))).all()
        }
        if by_id
        else {}
    )
    approved = {
        b
        for (b,) in fetch(session, sa.select(BATCH.id).where(BATCH.status == BatchStatus.APPROVED))
    }
    return [_view(t, deps.get(t.id or 0, []), status_of, leases, approved) for t in tickets]


def _view(
    ticket: Ticket,
    deps: list[int],
    status_of: dict[int, tuple[str, str]],
    leases: dict[int, Lease],
    approved_batches: set[int],
) -> TicketView:
    waiting = [status_of[d][0] for d in deps if d in status_of and status_of[d][1] != "done"]
    problems = ticket_spec_problems(ticket)
    lease = leases.get(ticket.id or 0)
    ready = (
        ticket.status == TicketStatus.OPEN
        and not waiting
        and not problems
        and ticket.batch_id in approved_batches
    )
    return TicketView(
        id=ids.ticket_ref(ticket.batch_id, ticket.seq),
        batch=ids.batch_ref(ticket.batch_id),
        key=ticket.key,
        title=ticket.title,
        status=ticket.status,
        ready=ready,
        lane=ticket.lane,
        depends_on=sorted((status_of[d][0] for d in deps if d in status_of), key=_ref_order),
        waiting_on=sorted(waiting, key=_ref_order),
        claim=None
        if lease is None or ticket.status != TicketStatus.ACTIVE
        else Claim(lease.worker, lease.claimed_at, lease.heartbeat_at, lease.expires_at),
        proof=ticket.proof,
        discovered_from=None
        if ticket.discovered_from_id is None
        else status_of.get(ticket.discovered_from_id, ("?", ""))[0],
        scope=ticket.scope,
        acceptance_criteria=list(ticket.acceptance_criteria),
        file_hooks=list(ticket.file_hooks),
        test_plan=ticket.test_plan,
        finish_line=ticket.finish_line,
        open_questions=list(ticket.open_questions),
        spec_problems=problems,
        gate_reason=ticket.gate_reason,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        done_at=ticket.done_at,
    )


def _ref_order(ref: str) -> tuple[int, ...]:
    return tuple(int(part) for part in ref.removeprefix("FM-").split("."))


def ask_views(session: Session, asks: list[Ask]) -> list[AskView]:
    refs = ticket_refs(session, sorted({t for a in asks for t in a.blocks}))
    return [
        AskView(
            id=ids.ask_ref(a.id or 0),
            kind=a.kind,
            action=a.action,
            why=a.why,
            status=a.status,
            approvers=list(a.approvers),
            blocks=[refs[t] for t in a.blocks if t in refs],
            batch=None if a.batch_id is None else ids.batch_ref(a.batch_id),
            occurrences=a.occurrences,
            first_seen=a.first_seen,
            last_seen=a.last_seen,
            decided_by=a.decided_by,
            decided_at=a.decided_at,
            note=a.note,
        )
        for a in asks
    ]


def batch_view(session: Session, batch: Batch) -> BatchView:
    assert batch.id is not None
    counts = {
        status: n
        for status, n in fetch(
            session,
            sa.select(TICKET.status, sa.func.count())
            .where(TICKET.batch_id == batch.id)
            .group_by(TICKET.status),
        )
    }
    return BatchView(
        id=ids.batch_ref(batch.id),
        title=batch.title,
        status=batch.status,
        request=batch.request,
        repo=batch.repo,
        channel=batch.channel,
        thread_ts=batch.thread_ts,
        requested_by=batch.requested_by,
        plan_message_ts=batch.plan_message_ts,
        approved_by=batch.approved_by,
        approved_at=batch.approved_at,
        research_error=batch.research_error,
        created_at=batch.created_at,
        updated_at=batch.updated_at,
        counts=counts,
    )
