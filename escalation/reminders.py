"""Claims that must be won by exactly one bot process: a reminder, and posting an ask's card.

Both are compare-and-set updates, so two processes running the same pass at the same moment
split the work instead of doing it twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from escalation import ask_rows as rows
from escalation.ask_model import AskPolicy
from tracker import ids
from tracker.clock import utcnow
from tracker.models import Ask, IdempotencyKey
from tracker.states import AskStatus
from tracker.store import get_ask, record
from tracker.tables import ASK

if TYPE_CHECKING:
    from escalation.asks import Escalations

_ASK_TABLE = Ask.__table__  # type: ignore[attr-defined]
_KEY_TABLE = IdempotencyKey.__table__  # type: ignore[attr-defined]


def card_key(ref: str) -> str:
    return f"card:{ref.upper()}"


def next_reminder(row: Ask, number: int, now: datetime, policy: AskPolicy) -> datetime | None:
    """On schedule (every `remind_after` from the first), not drifting with a slow loop; never
    after the ask expires, and never more than `max_reminders`."""
    if number >= policy.max_reminders or row.next_remind_at is None:
        return None
    following = row.next_remind_at + policy.remind_after
    if following <= now:  # the bot was down for a while: one reminder now, not a burst
        following = now + policy.remind_after
    if row.expires_at is not None and following >= row.expires_at:
        return None
    return following


def claim_reminder(
    session: Session, ask_id: int, sent: int, *, now: datetime, policy: AskPolicy
) -> Ask | None:
    """The reminder number `sent + 1` of ask `ask_id`, if this caller is the one to send it."""
    row = session.get(Ask, ask_id)
    if row is None or row.next_remind_at is None or row.next_remind_at > now:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None  # expiry, not a reminder, is what is due
    number = sent + 1
    following = next_reminder(row, number, now, policy)
    won = session.execute(
        sa.update(_ASK_TABLE)
        .where(
            ASK.id == ask_id,
            ASK.status == AskStatus.OPEN,
            ASK.reminders_sent == sent,
        )
        .values(reminders_sent=number, next_remind_at=following)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(row)
    record(
        session,
        at=now,
        actor="foreman",
        subject=ids.ask_ref(ask_id),
        batch_id=row.batch_id,
        kind="reminded",
        reason=f"reminder {number} of {policy.max_reminders}: still waiting for a decision",
        data={"number": number},
    )
    return row


def claim_card(esc: Escalations, ref: str, *, stale_after_seconds: float) -> bool:
    """The right to post `ref`'s card, for exactly one caller.

    The claim is a lease on a live process, so it is timed by the wall clock, not by the
    (injectable) domain clock: only a claimer silent for `stale_after_seconds` of real time
    is presumed dead (it crashed, or Slack refused the post) and replaced.
    """
    now = utcnow()
    try:
        with esc.store.transaction() as session:
            session.add(IdempotencyKey(key=card_key(ref), created_at=now))
        return True
    except IntegrityError:
        pass
    with esc.store.transaction() as session:
        return take_stale_card_claim(
            session, ref, now=now, stale_after=timedelta(seconds=stale_after_seconds)
        )


def take_stale_card_claim(
    session: Session, ref: str, *, now: datetime, stale_after: timedelta
) -> bool:
    """A claim to post a card whose claimer never stored the card (it crashed, or Slack
    refused) is taken over once it is old enough; exactly one taker wins."""
    key = card_key(ref)
    claim = session.get(IdempotencyKey, key)
    if claim is None or claim.created_at > now - stale_after:
        return False
    if get_ask(session, ref).message_ts is not None:
        return False
    won = session.execute(
        sa.update(_KEY_TABLE)
        .where(_KEY_TABLE.c.key == key, _KEY_TABLE.c.created_at == claim.created_at)
        .values(created_at=now)
    )
    return bool(won.rowcount == 1)  # type: ignore[attr-defined]


_CLOSING_REASONS = {
    AskStatus.EXPIRED: "no decision in time; nothing was approved and the work stays blocked",
    AskStatus.CANCELLED: "the work it was for is finished or cancelled; nothing to decide",
}


def close_unanswered(esc: Escalations, ref: str, to: AskStatus) -> bool:
    """Expire or cancel an open ask (compare-and-set: True for the one caller that did)."""
    now = esc.now()
    with esc.store.transaction() as session:
        row = get_ask(session, ref)
        if not rows.decide(session, row, to=to, by="foreman", now=now, note=None):
            return False
        record(
            session,
            at=now,
            actor="foreman",
            subject=ids.ask_ref(row.id or 0),
            batch_id=row.batch_id,
            kind=to.value,
            from_state=AskStatus.OPEN,
            to_state=to,
            reason=_CLOSING_REASONS[to],
        )
        return True
