"""Batches and their plans: creation, import, approval, cancellation, discovered work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker import ids
from tracker.errors import CycleError, PlanInvalid, TrackerError, TransitionRefused
from tracker.graph import find_cycle
from tracker.models import Batch, Dependency, Lease, Ticket
from tracker.plan import Plan, PlannedTicket, plan_problems
from tracker.queries import batch_dependencies, ticket_spec_problems
from tracker.states import BatchStatus, TicketStatus
from tracker.store import fetch, record
from tracker.tables import BATCH, TICKET
from tracker.transitions import move_batch, move_ticket, ticket_subject
from tracker.work import settle_batch

# A plan can attach to a batch that has none yet; never a second plan.
_PLANNABLE = (BatchStatus.RECEIVED, BatchStatus.RESEARCHING, BatchStatus.RESEARCH_FAILED)


@dataclass
class Approval:
    batch: str
    opened: list[str] = field(default_factory=list)
    kept_draft: dict[str, list[str]] = field(default_factory=dict)


def create_batch(
    session: Session,
    *,
    title: str,
    request: str,
    repo: str,
    actor: str,
    now: datetime,
    channel: str | None = None,
    thread_ts: str | None = None,
    requested_by: str | None = None,
) -> Batch:
    batch = Batch(
        title=title,
        request=request,
        repo=repo,
        channel=channel,
        thread_ts=thread_ts,
        requested_by=requested_by,
        status=BatchStatus.RECEIVED,
        created_at=now,
        updated_at=now,
    )
    session.add(batch)
    session.flush()
    assert batch.id is not None
    record(
        session,
        at=now,
        actor=actor,
        subject=ids.batch_ref(batch.id),
        batch_id=batch.id,
        kind="created",
        to_state=BatchStatus.RECEIVED,
        reason="request received",
        data={"channel": channel, "thread_ts": thread_ts, "requested_by": requested_by},
    )
    return batch


def attach_plan(
    session: Session,
    batch: Batch,
    plan: Plan,
    *,
    actor: str,
    now: datetime,
    repo_root: Path | None = None,
) -> list[Ticket]:
    """Store a validated plan on a batch in one go: all its tickets and edges, or nothing."""
    problems = plan_problems(plan, repo_root)
    if problems:
        raise PlanInvalid(problems)
    assert batch.id is not None
    existing: int = session.execute(
        sa.select(sa.func.count()).select_from(Ticket).where(TICKET.batch_id == batch.id)
    ).scalar_one()
    if batch.status not in _PLANNABLE or existing:
        raise TransitionRefused(
            ids.batch_ref(batch.id),
            batch.status,
            "planned",
            "it already has a plan"
            if existing or batch.status not in _PLANNABLE
            else "it cannot take a plan",
        )
    tickets = [_new_ticket(batch.id, seq, spec, now) for seq, spec in enumerate(plan.tickets, 1)]
    session.add_all(tickets)
    session.flush()
    by_key = {t.key: t for t in tickets}
    for spec in plan.tickets:
        for dep in dict.fromkeys(spec.depends_on):
            session.add(_edge(by_key[spec.key], by_key[dep]))
    for ticket in tickets:
        record(
            session,
            at=now,
            actor=actor,
            subject=ticket_subject(ticket),
            batch_id=batch.id,
            kind="created",
            to_state=TicketStatus.DRAFT,
            reason="from the plan",
        )
    if plan.title.strip():
        batch.title = plan.title.strip()[:300]
    move_batch(
        session,
        batch,
        BatchStatus.PLANNED,
        actor=actor,
        at=now,
        reason=f"plan of {len(tickets)} tickets",
        data={"tickets": len(tickets)},
    )
    return tickets


def _new_ticket(batch_id: int, seq: int, spec: PlannedTicket, now: datetime) -> Ticket:
    return Ticket(
        batch_id=batch_id,
        seq=seq,
        key=spec.key,
        title=spec.title.strip()[:300],
        scope=spec.scope,
        acceptance_criteria=list(spec.acceptance_criteria),
        file_hooks=[hook.model_dump() for hook in spec.file_hooks],
        test_plan=spec.test_plan,
        finish_line=spec.finish_line,
        lane=spec.lane or "build",
        open_questions=list(spec.open_questions),
        status=TicketStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )


def approve(session: Session, batch: Batch, *, actor: str, now: datetime) -> Approval:
    assert batch.id is not None
    ref = ids.batch_ref(batch.id)
    if batch.status in (BatchStatus.APPROVED, BatchStatus.DONE) and batch.approved_by:
        raise TransitionRefused(
            ref,
            batch.status,
            "approved",
            f"it is already approved (by {batch.approved_by} at "
            f"{batch.approved_at:%Y-%m-%d %H:%M}Z)",
        )
    if batch.status != BatchStatus.PLANNED:
        raise TransitionRefused(
            ref, batch.status, "approved", "only a planned batch can be approved"
        )
    move_batch(session, batch, BatchStatus.APPROVED, actor=actor, at=now, reason="plan approved")
    batch.approved_by = actor
    batch.approved_at = now
    result = Approval(batch=ref)
    drafts = session.exec(
        select(Ticket)
        .where(TICKET.batch_id == batch.id, TICKET.status == TicketStatus.DRAFT)
        .order_by(TICKET.seq)
    ).all()
    for ticket in drafts:
        problems = ticket_spec_problems(ticket)
        if problems:
            result.kept_draft[ticket_subject(ticket)] = problems
            continue
        move_ticket(session, ticket, TicketStatus.OPEN, actor=actor, at=now, reason="plan approved")
        result.opened.append(ticket_subject(ticket))
    return result


def cancel_batch(session: Session, batch: Batch, *, actor: str, now: datetime, reason: str) -> None:
    move_batch(session, batch, BatchStatus.CANCELLED, actor=actor, at=now, reason=reason)
    tickets = session.exec(select(Ticket).where(TICKET.batch_id == batch.id)).all()
    for ticket in tickets:
        if ticket.status in (TicketStatus.DONE, TicketStatus.CANCELLED):
            continue
        lease = session.get(Lease, ticket.id)
        if lease is not None:
            session.delete(lease)
        move_ticket(
            session,
            ticket,
            TicketStatus.CANCELLED,
            actor=actor,
            at=now,
            reason=f"batch cancelled: {reason}",
        )


def add_discovered(
    session: Session,
    origin: Ticket,
    *,
    spec: PlannedTicket,
    blocks: list[Ticket],
    depends_on: list[Ticket] | None = None,
    actor: str,
    now: datetime,
) -> Ticket:
    """File work found mid-run into the origin's batch, so the oracle waits for it."""
    batch = session.exec(select(Batch).where(BATCH.id == origin.batch_id).with_for_update()).one()
    if batch.status not in (BatchStatus.APPROVED, BatchStatus.DONE):
        raise TrackerError(
            f"{ids.batch_ref(origin.batch_id)} is {batch.status}: discovered work is filed "
            f"into an approved batch (add it to the plan instead)"
        )
    upstream = depends_on or []
    for target in [*blocks, *upstream]:
        if target.batch_id != origin.batch_id:
            raise TrackerError(
                f"{ticket_subject(target)} is in another batch: edges stay inside a batch"
            )
    for target in blocks:
        if target.status in (TicketStatus.DONE, TicketStatus.CANCELLED):
            raise TrackerError(
                f"{ticket_subject(target)} is {target.status}: discovered work cannot block it"
            )
    seq = (
        session.execute(
            sa.select(sa.func.coalesce(sa.func.max(TICKET.seq), 0)).where(
                TICKET.batch_id == origin.batch_id
            )
        ).scalar_one()
        + 1
    )
    ticket = _new_ticket(origin.batch_id, seq, spec, now)
    ticket.discovered_from_id = origin.id
    session.add(ticket)
    session.flush()
    assert ticket.id is not None
    edges = batch_dependencies(session, origin.batch_id)
    for target in blocks:
        assert target.id is not None
        edges.setdefault(target.id, []).append(ticket.id)
    edges[ticket.id] = [t.id for t in upstream if t.id is not None]
    _refuse_cycle(session, edges)
    for target in blocks:
        session.add(_edge(target, ticket))
    for dep in upstream:
        session.add(_edge(ticket, dep))
    problems = ticket_spec_problems(ticket)
    record(
        session,
        at=now,
        actor=actor,
        subject=ticket_subject(ticket),
        batch_id=ticket.batch_id,
        kind="discovered",
        to_state=TicketStatus.DRAFT,
        reason=f"discovered while working {ticket_subject(origin)}",
        data=_discovery_data(origin, blocks),
    )
    if not problems:
        move_ticket(
            session,
            ticket,
            TicketStatus.OPEN,
            actor=actor,
            at=now,
            reason="fully specified on discovery",
        )
    if batch.status == BatchStatus.DONE:
        settle_batch(session, batch.id or 0, actor=actor, now=now)
    return ticket


def _edge(downstream: Ticket, upstream: Ticket) -> Dependency:
    assert downstream.id is not None and upstream.id is not None
    return Dependency(ticket_id=downstream.id, depends_on_id=upstream.id)


def _discovery_data(origin: Ticket, blocks: list[Ticket]) -> dict[str, Any]:
    return {
        "discovered_from": ticket_subject(origin),
        "blocks": [ticket_subject(t) for t in blocks],
    }


def _refuse_cycle(session: Session, edges: dict[int, list[int]]) -> None:
    cycle = find_cycle(edges)
    if cycle is None:
        return
    rows = fetch(
        session, sa.select(TICKET.id, TICKET.batch_id, TICKET.seq).where(TICKET.id.in_(set(cycle)))
    )
    refs = {tid: ids.ticket_ref(b, s) for tid, b, s in rows}
    raise CycleError([refs[t] for t in cycle])
