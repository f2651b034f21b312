"""The done-oracle: the only authority on whether a batch is finished."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker import ids
from tracker.models import Batch, Lease, Ticket
from tracker.queries import batch_dependencies, ticket_spec_problems
from tracker.states import AskStatus, BatchStatus, TicketStatus
from tracker.store import fetch
from tracker.tables import ASK, LEASE, TICKET
from tracker.views import OracleItem, OracleVerdict

# Re-running a cmd proof is the caller's explicit choice (`oracle --verify`); keep it bounded.
VERIFY_TIMEOUT_SECONDS = 600


def judge(session: Session, batch: Batch) -> OracleVerdict:
    """Done iff every ticket is done with proof or human_gated, and the batch is approved."""
    assert batch.id is not None
    ref = ids.batch_ref(batch.id)
    tickets = list(
        session.exec(select(Ticket).where(TICKET.batch_id == batch.id).order_by(TICKET.seq)).all()
    )
    finished = [t for t in tickets if _finished(t)]
    if batch.status == BatchStatus.CANCELLED:
        return OracleVerdict(ref, False, len(tickets), len(finished), "the batch was cancelled", [])
    if batch.status not in (BatchStatus.APPROVED, BatchStatus.DONE):
        why = {
            BatchStatus.PLANNED: f"the plan is not approved yet (foreman approve {ref})",
            BatchStatus.RESEARCH_FAILED: f"research failed: {batch.research_error or 'unknown'}",
        }.get(BatchStatus(batch.status), f"the batch is {batch.status}: no approved plan yet")
        return OracleVerdict(ref, False, len(tickets), len(finished), why, [])
    if not tickets:
        return OracleVerdict(ref, False, 0, 0, "the batch has no tickets", [])
    unfinished = [t for t in tickets if not _finished(t)]
    items = _explain(session, batch.id, tickets, unfinished)
    if items:
        why = f"{len(unfinished)} of {len(tickets)} tickets not finished"
        return OracleVerdict(ref, False, len(tickets), len(finished), why, items)
    return OracleVerdict(
        ref,
        True,
        len(tickets),
        len(finished),
        "every ticket is done with proof or human-gated",
        [],
    )


def _finished(ticket: Ticket) -> bool:
    if ticket.status == TicketStatus.HUMAN_GATED:
        return True
    return ticket.status == TicketStatus.DONE and bool(ticket.proof)


def _explain(
    session: Session, batch_id: int, tickets: list[Ticket], unfinished: list[Ticket]
) -> list[OracleItem]:
    if not unfinished:
        return []
    by_id = {t.id: t for t in tickets}
    deps = batch_dependencies(session, batch_id)
    leases = {
        row.ticket_id: row
        for row in session.exec(
            select(Lease).where(LEASE.ticket_id.in_([t.id for t in unfinished]))
        ).all()
    }
    asks = _open_asks_by_ticket(session, batch_id)
    items: list[OracleItem] = []
    for ticket in unfinished:
        ref = ids.ticket_ref(ticket.batch_id, ticket.seq)
        waiting = [
            f"{ids.ticket_ref(by_id[d].batch_id, by_id[d].seq)} ({by_id[d].status})"
            for d in deps.get(ticket.id or 0, [])
            if d in by_id and by_id[d].status != TicketStatus.DONE
        ]
        why = _why(ticket, waiting, leases.get(ticket.id or 0), asks.get(ticket.id or 0, []))
        items.append(OracleItem(ref, ticket.status, why))
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
