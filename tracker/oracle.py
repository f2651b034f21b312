"""The done-oracle: the only authority on whether a batch is finished."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker import ids
from tracker.models import Batch, Lease, Ticket
from tracker.queries import dependencies_of, ticket_spec_problems
from tracker.states import AskStatus, BatchStatus, TicketStatus
from tracker.store import fetch
from tracker.tables import ASK, LEASE, TICKET
from tracker.views import OracleItem, OracleVerdict

# Re-running a cmd proof is the caller's explicit choice (`oracle --verify`); keep it bounded.
VERIFY_TIMEOUT_SECONDS = 600


DEFAULT_EXPLAIN_LIMIT = 50


def judge(
    session: Session, batch: Batch, explain_limit: int | None = DEFAULT_EXPLAIN_LIMIT
) -> OracleVerdict:
    """Done iff every ticket is done with proof or human_gated, and the batch is approved.

    The verdict always counts every ticket; the per-ticket explanation covers the first
    `explain_limit` unfinished ones (None: all), so a 10,000-ticket batch answers at once.
    """
    assert batch.id is not None
    ref = ids.batch_ref(batch.id)
    # The verdict is counted in the database: a 10,000-ticket batch is a handful of rows here.
    counts = {
        (status, bool(proven)): int(n)
        for status, proven, n in fetch(
            session,
            sa.select(TICKET.status, TICKET.proof.is_not(None), sa.func.count())
            .where(TICKET.batch_id == batch.id)
            .group_by(TICKET.status, TICKET.proof.is_not(None)),
        )
    }
    total = sum(counts.values())
    by_status: dict[str, int] = {}
    for (status, proven), n in counts.items():
        if not _finished(status, proven):
            by_status[status] = by_status.get(status, 0) + n
    unfinished = sum(by_status.values())
    finished = total - unfinished
    if batch.status == BatchStatus.CANCELLED:
        return OracleVerdict(ref, False, total, finished, "the batch was cancelled", [])
    if batch.status not in (BatchStatus.APPROVED, BatchStatus.DONE):
        why = {
            BatchStatus.PLANNED: f"the plan is not approved yet (foreman approve {ref})",
            BatchStatus.RESEARCH_FAILED: f"research failed: {batch.research_error or 'unknown'}",
        }.get(BatchStatus(batch.status), f"the batch is {batch.status}: no approved plan yet")
        return OracleVerdict(ref, False, total, finished, why, [])
    if not total:
        return OracleVerdict(ref, False, 0, 0, "the batch has no tickets", [])
    if not unfinished:
        return OracleVerdict(
            ref, True, total, finished, "every ticket is done with proof or human-gated", []
        )
    summary = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
    why = f"{unfinished} of {total} tickets not finished ({summary})"
    not_finished = sa.not_(
        sa.or_(
            TICKET.status == TicketStatus.HUMAN_GATED,
            sa.and_(TICKET.status == TicketStatus.DONE, TICKET.proof.is_not(None)),
        )
    )
    query = sa.select(TICKET.id).where(TICKET.batch_id == batch.id, not_finished)
    query = query.order_by(TICKET.seq)
    if explain_limit is not None:
        query = query.limit(explain_limit)
    shown = [int(row[0]) for row in fetch(session, query)]
    return OracleVerdict(ref, False, total, finished, why, _explain(session, batch.id, shown))


def _finished(status: str, proven: bool) -> bool:
    if status == TicketStatus.HUMAN_GATED:
        return True
    return status == TicketStatus.DONE and bool(proven)


def _explain(session: Session, batch_id: int, ticket_ids: list[int]) -> list[OracleItem]:
    tickets = session.exec(
        select(Ticket).where(TICKET.id.in_(ticket_ids)).order_by(TICKET.seq)
    ).all()
    deps = dependencies_of(session, ticket_ids)
    upstream_ids = sorted({d for ds in deps.values() for d in ds})
    upstream = (
        {
            tid: (ids.ticket_ref(b, s), status)
            for tid, b, s, status in fetch(
                session,
                sa.select(TICKET.id, TICKET.batch_id, TICKET.seq, TICKET.status).where(
                    TICKET.id.in_(upstream_ids)
                ),
            )
        }
        if upstream_ids
        else {}
    )
    leases = {
        row.ticket_id: row
        for row in session.exec(select(Lease).where(LEASE.ticket_id.in_(ticket_ids))).all()
    }
    asks = _open_asks_by_ticket(session, batch_id)
    items: list[OracleItem] = []
    for ticket in tickets:
        waiting = [
            f"{upstream[d][0]} ({upstream[d][1]})"
            for d in deps.get(ticket.id or 0, [])
            if d in upstream and upstream[d][1] != TicketStatus.DONE
        ]
        why = _why(ticket, waiting, leases.get(ticket.id or 0), asks.get(ticket.id or 0, []))
        items.append(OracleItem(ids.ticket_ref(ticket.batch_id, ticket.seq), ticket.status, why))
    return items


def _why(ticket: Ticket, waiting: list[str], lease: Lease | None, asks: list[str]) -> str:
    status = TicketStatus(ticket.status)
    if status == TicketStatus.DONE:
        return "marked done without proof (run foreman validate)"
    if status == TicketStatus.ACTIVE:
        if lease is None:
            return "active with no lease (run foreman validate --fix)"
        return f"claimed by {lease.worker}, lease until {lease.expires_at:%Y-%m-%d %H:%M:%S}Z"
    if status == TicketStatus.BLOCKED:
        return "blocked, waiting on " + (
            ", ".join(asks) if asks else f"a human: {ticket.gate_reason}"
        )
    if status == TicketStatus.CANCELLED:
        return "cancelled: a cancelled ticket is not done"
    if status == TicketStatus.DRAFT:
        problems = ticket_spec_problems(ticket)
        return "draft: " + ("; ".join(problems) if problems else "not opened yet")
    if waiting:
        return "open, waiting on " + ", ".join(waiting)
    problems = ticket_spec_problems(ticket)
    if problems:
        return "open but never ready: " + "; ".join(problems)
    return "open and ready: nobody has claimed it"


def _open_asks_by_ticket(session: Session, batch_id: int) -> dict[int, list[str]]:
    rows = fetch(
        session,
        sa.select(ASK.id, ASK.ticket_id, ASK.blocks).where(
            ASK.batch_id == batch_id, ASK.status == AskStatus.OPEN
        ),
    )
    found: dict[int, list[str]] = {}
    for ask_id, ticket_id, blocks in rows:
        for tid in {ticket_id, *(blocks or [])} - {None}:
            found.setdefault(tid, []).append(ids.ask_ref(ask_id))
    return found


Runner = Callable[[str, Path], int]


def run_shell(command: str, cwd: Path) -> int:
    # The command is the proof a worker recorded; --verify re-runs it exactly as written.
    completed = subprocess.run(  # noqa: S602
        command,
        shell=True,
        cwd=cwd,
        timeout=VERIFY_TIMEOUT_SECONDS,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return completed.returncode


def verify_proofs(
    session: Session, batch: Batch, repo_root: Path, runner: Runner = run_shell
) -> list[OracleItem]:
    """Re-run every cmd proof of the batch; each one that no longer exits 0 is a failure."""
    failures: list[OracleItem] = []
    tickets = session.exec(
        select(Ticket)
        .where(TICKET.batch_id == batch.id, TICKET.status == TicketStatus.DONE)
        .order_by(TICKET.seq)
    ).all()
    for ticket in tickets:
        proof = ticket.proof or {}
        if proof.get("kind") != "cmd":
            continue
        ref = ids.ticket_ref(ticket.batch_id, ticket.seq)
        try:
            status = runner(str(proof["ref"]), repo_root)
        except (OSError, subprocess.TimeoutExpired) as exc:
            failures.append(OracleItem(ref, "done", f"proof `{proof['ref']}` could not run: {exc}"))
            continue
        if status != proof.get("exit", 0):
            failures.append(
                OracleItem(
                    ref,
                    "done",
                    f"proof no longer holds: `{proof['ref']}` exited {status} "
                    f"(recorded {proof.get('exit', 0)})",
                )
            )
    return failures
