"""The research lease: which runner is planning a batch, and the one way a plan lands."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from tracker import ids
from tracker.errors import TrackerError
from tracker.models import Batch
from tracker.plan import Plan
from tracker.planning import attach_plan
from tracker.states import BatchStatus
from tracker.store import fetch, record
from tracker.tables import BATCH
from tracker.transitions import move_batch

SYSTEM_ACTOR = "foreman"


def requeue_lapsed(session: Session, now: datetime) -> list[str]:
    """Batches whose researcher stopped renewing go back to `received` for another runner."""
    lapsed = session.exec(
        select(Batch).where(
            BATCH.status == BatchStatus.RESEARCHING, BATCH.research_lease_expires < now
        )
    ).all()
    for batch in lapsed:
        worker = batch.research_worker
        move_batch(
            session,
            batch,
            BatchStatus.RECEIVED,
            actor=SYSTEM_ACTOR,
            at=now,
            kind="research_lapsed",
            reason=f"research lease of {worker} lapsed; requeued",
            data={"worker": worker},
        )
        batch.research_worker = None
        batch.research_lease_expires = None
    return [ids.batch_ref(b.id or 0) for b in lapsed]


def claim(
    session: Session, *, worker: str, now: datetime, lease: timedelta, only: str | None = None
) -> Batch | None:
    """Take the oldest received batch (or `only`) for research: compare-and-set, so two
    runners in two processes never research the same batch at once."""
    requeue_lapsed(session, now)
    query = sa.select(BATCH.id).where(BATCH.status == BatchStatus.RECEIVED)
    if only is not None:
        query = query.where(BATCH.id == ids.parse_batch(only))
    candidates = [int(row[0]) for row in fetch(session, query.order_by(BATCH.id).limit(20))]
    for batch_id in candidates:
        won = session.execute(
            sa.update(Batch)
            .where(BATCH.id == batch_id, BATCH.status == BatchStatus.RECEIVED)
            .values(
                status=BatchStatus.RESEARCHING.value,
                research_worker=worker,
                research_lease_expires=now + lease,
                updated_at=now,
            )
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue
        batch = session.get_one(Batch, batch_id)
        session.refresh(batch)
        record(
            session,
            at=now,
            actor=worker,
            subject=ids.batch_ref(batch_id),
            batch_id=batch_id,
            kind="research_started",
            from_state=BatchStatus.RECEIVED,
            to_state=BatchStatus.RESEARCHING,
            reason=f"research by {worker}",
        )
        return batch
    return None


def _held(session: Session, ref: str, worker: str) -> Batch:
    batch = session.exec(
        select(Batch).where(BATCH.id == ids.parse_batch(ref)).with_for_update()
    ).first()
    if batch is None:
        raise TrackerError(f"no batch {ref}")
    if batch.status != BatchStatus.RESEARCHING or batch.research_worker != worker:
        raise TrackerError(
            f"{ref} is {batch.status}"
            + (f" (researched by {batch.research_worker})" if batch.research_worker else "")
            + f": {worker} no longer holds its research lease, so its result is discarded"
        )
    return batch


def renew(session: Session, ref: str, *, worker: str, now: datetime, lease: timedelta) -> None:
    batch = _held(session, ref, worker)
    batch.research_lease_expires = now + lease
    session.add(batch)


def finish(
    session: Session, ref: str, plan: Plan, *, worker: str, now: datetime, repo_root: Path | None
) -> Batch:
    """Write the whole plan in this transaction, only if `worker` still holds the lease."""
    batch = _held(session, ref, worker)
    batch.research_worker = None
    batch.research_lease_expires = None
    batch.research_error = None
    attach_plan(session, batch, plan, actor=worker, now=now, repo_root=repo_root)
    return batch


def fail(session: Session, ref: str, *, worker: str, now: datetime, error: str) -> Batch:
    batch = _held(session, ref, worker)
    batch.research_worker = None
    batch.research_lease_expires = None
    batch.research_error = error
    move_batch(
        session,
        batch,
        BatchStatus.RESEARCH_FAILED,
        actor=worker,
        at=now,
        kind="research_failed",
        reason=error,
    )
    return batch


def retry(
    session: Session, ref: str, *, actor: str, now: datetime, more: str | None = None
) -> Batch:
    batch = session.exec(
        select(Batch).where(BATCH.id == ids.parse_batch(ref)).with_for_update()
    ).first()
    if batch is None:
        raise TrackerError(f"no batch {ref}")
    move_batch(
        session,
        batch,
        BatchStatus.RECEIVED,
        actor=actor,
        at=now,
        kind="research_retry",
        reason="research retried" + (" with more detail" if more else ""),
    )
    batch.research_error = None
    if more:
        batch.request = f"{batch.request}\n\n{more}".strip()
    return batch
