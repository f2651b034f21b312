"""What needs a person (Waiting on people) and what may be going wrong (Risks)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.digest.model import Risk, Waiting
from bot.digest.style import Style, age
from tracker import ids, validate
from tracker.models import Ask, Batch, Event, Ticket
from tracker.queries import ask_views, batch_view
from tracker.states import AskStatus, BatchStatus, TicketStatus
from tracker.store import fetch
from tracker.tables import ASK, BATCH, EVENT, TICKET
from tracker.views import AskView, OracleVerdict

OLD_ASK = timedelta(hours=24)
STALLED = timedelta(hours=24)


def _open_asks(session: Session) -> list[tuple[Ask, AskView]]:
    asks = list(
        session.exec(
            select(Ask).where(ASK.status == AskStatus.OPEN).order_by(ASK.first_seen, ASK.id)
        ).all()
    )
    return list(zip(asks, ask_views(session, asks), strict=True))


def waiting(session: Session, default_approvers: Sequence[str] = ()) -> list[Waiting]:
    open_asks = _open_asks(session)
    found = [
        Waiting(
            kind="ask",
            ref=view.id,
            title=ask.action,
            detail=ask.kind,
            people=list(ask.approvers or default_approvers),
            since=ask.first_seen,
            blocks=view.blocks,
        )
        for ask, view in open_asks
    ]
    found += _plans(session)
    found += _drafts_with_questions(session)
    return found + _blocked(session, open_asks)


def _plans(session: Session) -> list[Waiting]:
    planned = session.exec(
        select(Batch).where(BATCH.status == BatchStatus.PLANNED).order_by(BATCH.id)
    ).all()
    found = []
    for batch in planned:
        plan = batch_view(session, batch)
        found.append(
            Waiting(
                kind="plan",
                ref=plan.id,
                title=plan.title,
                detail=f"plan of {plan.total} ticket{'s' if plan.total != 1 else ''} "
                "awaiting approval",
                since=batch.updated_at,
            )
        )
    return found


def _drafts_with_questions(session: Session) -> list[Waiting]:
    # Drafts of a planned batch wait on its approval (listed above), not on their questions.
    drafts = session.exec(
        select(Ticket)
        .join(Batch, BATCH.id == TICKET.batch_id)
        .where(TICKET.status == TicketStatus.DRAFT, BATCH.status == BatchStatus.APPROVED)
        .order_by(TICKET.batch_id, TICKET.seq)
    ).all()
    found = []
    for ticket in drafts:
        if not ticket.open_questions:
            continue
        n = len(ticket.open_questions)
        found.append(
            Waiting(
                kind="draft",
                ref=ids.ticket_ref(ticket.batch_id, ticket.seq),
                title=ticket.title,
                detail=f"draft, {n} open question{'s' if n > 1 else ''}: "
                f"“{ticket.open_questions[0]}”",
                since=ticket.updated_at,
            )
        )
    return found


def _blocked(session: Session, open_asks: list[tuple[Ask, AskView]]) -> list[Waiting]:
    blockers: dict[int, list[str]] = {}
    for ask, view in open_asks:
        for ticket_id in ask.blocks:
            blockers.setdefault(ticket_id, []).append(view.id)
    blocked = session.exec(
        select(Ticket)
        .where(TICKET.status == TicketStatus.BLOCKED)
        .order_by(TICKET.batch_id, TICKET.seq)
    ).all()
    found = []
    for ticket in blocked:
        reason = ticket.gate_reason or "no reason recorded"
        # The reason an ask writes already names it; say "by" only for what it leaves out.
        by = [
            ref
            for ref in blockers.get(ticket.id or 0, [])
            if not re.search(rf"\b{re.escape(ref)}\b", reason)
        ]
        found.append(
            Waiting(
                kind="blocked",
                ref=ids.ticket_ref(ticket.batch_id, ticket.seq),
                title=ticket.title,
                detail=("blocked by " + ", ".join(by) + ": " if by else "blocked: ") + reason,
                since=ticket.updated_at,
            )
        )
    return found


def risks(
    session: Session,
    *,
    now: datetime,
    since: datetime,
    tz: ZoneInfo,
    active: list[Batch],
    verdicts: dict[int | None, OracleVerdict],
    default_approvers: Sequence[str] = (),
) -> list[Risk]:
    style = Style(tz, now.astimezone(tz).date())
    found = _fake_active(session, since, now, style)
    found += _ask_risks(session, now, since, style, default_approvers)
    found += _batch_risks(session, now, active, verdicts, style)
    found += _log_risks(session, since, now)
    found += [
        Risk(
            "validation",
            v.subject,
            f"{v.code}: {v.message}" + (" (foreman validate --fix heals it)" if v.fixable else ""),
        )
        for v in validate.check(session, now)
    ]
    return found


def _events(
    session: Session, kind: str, since: datetime, until: datetime, *where: Any
) -> list[Event]:
    return list(
        session.exec(
            select(Event)
            .where(EVENT.kind == kind, EVENT.at > since, EVENT.at <= until, *where)
            .order_by(EVENT.at, EVENT.id)
        ).all()
    )


def _fake_active(session: Session, since: datetime, until: datetime, style: Style) -> list[Risk]:
    incidents = _events(session, "fake_active", since, until)
    current = _statuses(session, [e.subject for e in incidents])
    found = []
    for event in incidents:
        data = event.data or {}
        if "last_heartbeat" in data and "expired_at" in data:
            beat = datetime.fromisoformat(str(data["last_heartbeat"]))
            lapsed = datetime.fromisoformat(str(data["expired_at"]))
            summary = (
                f"was active ({data.get('worker', '?')}) with no heartbeat for "
                f"{age(event.at - beat)} (lease lapsed at {style.when(lapsed)}); "
                "back in the ready set"
            )
        else:
            summary = f"was active with no lease: {event.reason}; back in the ready set"
        now_status = current.get(event.subject)
        if now_status is not None and now_status != TicketStatus.OPEN:
            summary += f" (now {now_status})"
        found.append(Risk("fake_active", event.subject, summary, at=event.at))
    return found


def _statuses(session: Session, refs: list[str]) -> dict[str, str]:
    return {ref: t.status for ref, t in tickets_by_ref(session, sorted(set(refs))).items()}


def _ask_risks(
    session: Session,
    now: datetime,
    since: datetime,
    style: Style,
    default_approvers: Sequence[str],
) -> list[Risk]:
    found = [
        Risk(
            "old_ask",
            ids.ask_ref(ask.id or 0),
            f"has waited {age(now - ask.first_seen)}: {ask.action}",
            at=ask.first_seen,
            people=list(ask.approvers or default_approvers),
        )
        for ask in session.exec(
            select(Ask)
            .where(ASK.status == AskStatus.OPEN, ASK.first_seen <= now - OLD_ASK)
            .order_by(ASK.first_seen, ASK.id)
        ).all()
    ]
    recurring = session.exec(
        select(Ask)
        .where(
            ASK.occurrences > 1,
            sa.or_(ASK.status == AskStatus.OPEN, ASK.last_seen > since),
        )
        .order_by(ASK.last_seen.desc(), ASK.id)
    ).all()
    for ask in recurring:
        where = f"{ask.pipeline}: " if ask.pipeline else ""
        state = "" if ask.status == AskStatus.OPEN else f" (ask {ask.status})"
        found.append(
            Risk(
                "recurring_failure",
                ids.ask_ref(ask.id or 0),
                f"{where}the same failure seen {ask.occurrences}× since "
                f"{style.when(ask.first_seen)}, last at {style.when(ask.last_seen)}: "
                f"{ask.action}{state}",
                at=ask.last_seen,
            )
        )
    return found


def _batch_risks(
    session: Session,
    now: datetime,
    active: list[Batch],
    verdicts: dict[int | None, OracleVerdict],
    style: Style,
) -> list[Risk]:
    unfinished = [b for b in active if not verdicts[b.id].done]
    if not unfinished:
        return []
    last_done = dict(
        fetch(
            session,
            sa.select(EVENT.batch_id, sa.func.max(EVENT.at))
            .where(EVENT.kind == "done", EVENT.batch_id.in_([b.id for b in unfinished]))
            .group_by(EVENT.batch_id),
        )
    )
    found: list[Risk] = []
    for batch in unfinished:
        ref, verdict = ids.batch_ref(batch.id or 0), verdicts[batch.id]
        done_at = last_done.get(batch.id)
        last = max(t for t in (done_at, batch.approved_at, batch.created_at) if t is not None)
        if now - last >= STALLED:
            what = f"last one at {style.when(done_at)}" if done_at else "none since approval"
            found.append(
                Risk(
                    "stalled_batch",
                    ref,
                    f"no ticket finished for {age(now - last)} ({what}); "
                    f"{verdict.finished}/{verdict.total} finished",
                    at=last,
                )
            )
        if batch.due_at is not None and batch.due_at <= now:
            left = verdict.total - verdict.finished
            found.append(
                Risk(
                    "overdue_batch",
                    ref,
                    f"was due {style.when(batch.due_at)}; {left} ticket"
                    f"{'s' if left != 1 else ''} not finished",
                    at=batch.due_at,
                )
            )
    return found


def _log_risks(session: Session, since: datetime, until: datetime) -> list[Risk]:
    reopened = _events(
        session,
        "transition",
        since,
        until,
        EVENT.from_state == TicketStatus.DONE,
        EVENT.to_state == TicketStatus.OPEN,
    )
    found = [
        Risk("reopened", e.subject, f"reopened after done: {e.reason or 'no reason given'}", e.at)
        for e in reopened
    ]
    found += [
        Risk("research_failed", e.subject, f"research failed: {e.reason or 'unknown error'}", e.at)
        for e in _events(session, "research_failed", since, until)
    ]
    return found


@dataclass(frozen=True)
class TicketFacts:
    batch_id: int
    title: str
    status: str
    proof: dict[str, Any] | None


def tickets_by_ref(session: Session, refs: list[str]) -> dict[str, TicketFacts]:
    """What the digest says about tickets named in the log, in a few bulk reads."""
    by_batch: defaultdict[int, list[int]] = defaultdict(list)
    for ref in refs:
        batch_id, seq = ids.parse_ticket(ref)
        by_batch[batch_id].append(seq)
    found: dict[str, TicketFacts] = {}
    for batch_id, seqs in by_batch.items():
        for start in range(0, len(seqs), 900):
            rows = fetch(
                session,
                sa.select(TICKET.seq, TICKET.title, TICKET.status, TICKET.proof).where(
                    TICKET.batch_id == batch_id, TICKET.seq.in_(seqs[start : start + 900])
                ),
            )
            for seq, title, status, proof in rows:
                found[ids.ticket_ref(batch_id, seq)] = TicketFacts(batch_id, title, status, proof)
    return found
