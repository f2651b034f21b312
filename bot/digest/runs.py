"""Claiming a channel's digest for a local day, so that exactly one is posted.

The claim is a row in `digest_run`, unique per (channel, local day): of any number of bot
processes only the one whose insert commits posts. A claim that was never marked posted
within CLAIM_STALE is taken to have died with its process (between claim and post) and may
be taken over, by compare-and-set, so a crash cannot cost the day its digest. The price: a
process that posted and then died before recording it within CLAIM_STALE causes a second
post. Posting takes well under a second, so that window is small and the trade is made on
purpose: a missing digest goes unnoticed, a repeated one does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.digest.schedule import Slot
from tracker.models import DigestRun, SQLModel
from tracker.store import Store

CLAIM_STALE = timedelta(minutes=5)
# Posted more than this after the scheduled time, the digest says it is late.
LATE_AFTER = timedelta(minutes=5)
# What the first digest of a channel covers, having no previous digest to start from.
FIRST_WINDOW = timedelta(hours=24)

RUN = SQLModel.metadata.tables["digest_run"].c


@dataclass(frozen=True)
class Claim:
    run_id: int
    channel: str
    slot: Slot
    claimed_by: str
    since: datetime
    until: datetime  # the claim time: what the digest covers up to
    late: bool


def covers_from(session: Session, channel: str, before: str, until: datetime) -> datetime:
    """Where a digest starts: where the previous posted one stopped, however long ago."""
    previous = session.exec(
        select(DigestRun)
        .where(RUN.channel == channel, RUN.local_date < before, RUN.posted_at.is_not(None))
        .order_by(RUN.local_date.desc())
        .limit(1)
    ).first()
    return previous.claimed_at if previous is not None else until - FIRST_WINDOW


def claim(store: Store, *, channel: str, slot: Slot, worker: str, now: datetime) -> Claim | None:
    """Take the day for `worker`; None when another process has it (or already posted)."""
    late = now - slot.at > LATE_AFTER
    try:
        with store.transaction() as session:
            since = covers_from(session, channel, slot.key, now)
            run = DigestRun(
                channel=channel,
                local_date=slot.key,
                scheduled_for=slot.at,
                claimed_by=worker,
                claimed_at=now,
                late=late,
                covers_from=since,
            )
            session.add(run)
            session.flush()
            assert run.id is not None
            return Claim(run.id, channel, slot, worker, since, now, late)
    except IntegrityError:
        return _take_over(store, channel=channel, slot=slot, worker=worker, now=now, late=late)


def _take_over(
    store: Store, *, channel: str, slot: Slot, worker: str, now: datetime, late: bool
) -> Claim | None:
    with store.transaction() as session:
        run = _run(session, channel, slot.key)
        if run is None or run.posted_at is not None or now - run.claimed_at < CLAIM_STALE:
            return None
        since = covers_from(session, channel, slot.key, now)
        won = session.execute(
            sa.update(DigestRun)
            .where(
                RUN.id == run.id,
                RUN.claimed_by == run.claimed_by,
                RUN.claimed_at == run.claimed_at,
                RUN.posted_at.is_(None),
            )
            .values(claimed_by=worker, claimed_at=now, late=late, covers_from=since)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            return None
        assert run.id is not None
        return Claim(run.id, channel, slot, worker, since, now, late)


def record_posted(store: Store, claim: Claim, *, message_ts: str, now: datetime) -> bool:
    """Mark the day posted; False if the claim was taken over meanwhile (then say so)."""
    with store.transaction() as session:
        done = session.execute(
            sa.update(DigestRun)
            .where(
                RUN.id == claim.run_id,
                RUN.claimed_by == claim.claimed_by,
                RUN.claimed_at == claim.until,
                RUN.posted_at.is_(None),
            )
            .values(posted_at=now, message_ts=message_ts)
            .execution_options(synchronize_session=False)
        )
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def _run(session: Session, channel: str, key: str) -> DigestRun | None:
    return session.exec(
        select(DigestRun).where(RUN.channel == channel, RUN.local_date == key)
    ).first()


def run_for(store: Store, channel: str, key: str) -> DigestRun | None:
    with store.transaction() as session:
        return _run(session, channel, key)


def has_history(store: Store, channel: str) -> bool:
    with store.transaction() as session:
        row = session.execute(sa.select(RUN.id).where(RUN.channel == channel).limit(1))
        return row.first() is not None


def last_until(store: Store, channel: str) -> datetime | None:
    """Where the latest posted digest of `channel` stopped (on-demand digests start there)."""
    with store.transaction() as session:
        run = session.exec(
            select(DigestRun)
            .where(RUN.channel == channel, RUN.posted_at.is_not(None))
            .order_by(RUN.local_date.desc())
            .limit(1)
        ).first()
        return None if run is None else run.claimed_at
