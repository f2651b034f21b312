"""Escalations: walls become asks, decided once by the right person, never lost or doubled.

The CLI, the Slack listeners, the failure API and the background sweeper all call this one
class, so the dedupe, authorisation and single-decision rules have one code path.

Approvers are ids this package does not interpret. The caller supplies how to expand them
(`expand`, e.g. a Slack user group into its members) and the configured fallback list
(`default_approvers`), both already resolved: escalation never talks to Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from escalation import ask_rows as rows
from escalation.ask_model import (
    MAX_EVIDENCE_CHARS,
    AlreadyDecided,
    AskDetail,
    AskExpired,
    AskPolicy,
    AskRefused,
    NotAllowed,
    Raised,
    Reminder,
    Verdict,
    clean,
    deciders_of,
    dedupe_key,
    one_line,
    who,
)
from escalation.diagnosis import Diagnosis
from escalation.failures import FailureOutcome
from tracker import ids
from tracker.errors import TrackerError
from tracker.models import Ask
from tracker.service import Tracker
from tracker.states import AskKind, AskStatus, TicketStatus
from tracker.store import Store, get_ask, get_ticket, record
from tracker.tables import ASK

Expand = Callable[[Sequence[str]], Sequence[str]]
_RAISE_ATTEMPTS = 5
_SETTLED_TICKETS = (TicketStatus.DONE, TicketStatus.CANCELLED, TicketStatus.HUMAN_GATED)


def _no_defaults() -> Sequence[str]:
    return ()


class Escalations:
    def __init__(
        self,
        tracker: Tracker,
        policy: AskPolicy | None = None,
        *,
        default_approvers: Callable[[], Sequence[str]] = _no_defaults,
        expand: Expand = list,
        diagnose_unknown: Callable[[Diagnosis, str, str | None], Diagnosis] | None = None,
    ) -> None:
        self.tracker = tracker
        self.policy = policy or AskPolicy()
        # With a model configured, failures the catalogue does not know get its reading.
        self.diagnose_unknown = diagnose_unknown
        self._default_approvers = default_approvers
        self._expand = expand

    @property
    def store(self) -> Store:
        return self.tracker.store

    def now(self) -> datetime:
        return self.tracker.clock()

    # -- reading --------------------------------------------------------------------------

    def ask(self, ref: str) -> AskDetail:
        with self.store.transaction() as session:
            return self._with_deciders(rows.detail(session, get_ask(session, ref)))

    def asks(self, *, open_only: bool = False) -> list[AskDetail]:
        with self.store.transaction() as session:
            stmt = select(Ask).order_by(ASK.id)
            if open_only:
                stmt = stmt.where(ASK.status == AskStatus.OPEN)
            found = rows.details(session, list(session.exec(stmt).all()))
        return [self._with_deciders(a) for a in found]

    def deciders(self, ask: AskDetail) -> list[str]:
        return deciders_of(
            list(self._expand(ask.approvers)),
            list(self._expand(list(self._default_approvers()))),
            ask.requested_by,
        )

    def _with_deciders(self, ask: AskDetail) -> AskDetail:
        from dataclasses import replace

        return replace(ask, deciders=self.deciders(ask))

    # -- raising --------------------------------------------------------------------------

    def wall(
        self,
        ticket: str,
        *,
        kind: str,
        action: str,
        why: str,
        actor: str,
        evidence: str = "",
        tried: str = "",
        approvers: Sequence[str] = (),
        signature: str = "",
    ) -> Raised:
        """A worker hit something only a person can do: the ticket is blocked until decided."""
        if kind not in set(AskKind):
            raise TrackerError(f"{kind!r} is not a kind of ask: {', '.join(AskKind)}")
        action = one_line(action)
        if not action:
            raise TrackerError("a wall needs --action: the exact thing a person must do")
        if not why.strip():
            raise TrackerError("a wall needs --why: what fails without it")
        new = rows.NewAsk(
            kind=kind,
            action=action,
            why=clean(why),
            evidence=clean(evidence, MAX_EVIDENCE_CHARS),
            tried=clean(tried),
            approvers=[a.strip() for a in approvers if a.strip()],
            key=dedupe_key(kind, action, ticket=ticket.upper(), pipeline=None, signature=signature),
            raised_by=who(actor),
        )
        return self._raise(new, ticket_ref=ticket)

    def raise_ask_for(self, new: rows.NewAsk, ticket_ref: str | None) -> Raised:
        """Raise a prepared ask (texts cleaned, key computed): a new one or one more sighting."""
        return self._raise(new, ticket_ref=ticket_ref)

    def raise_clarifications(self, ref: str, *, actor: str) -> list[Raised]:
        from escalation.clarify import raise_clarifications

        return raise_clarifications(self, ref, actor=who(actor))

    def report_failure(
        self,
        pipeline: str,
        error: str,
        log: str | None = None,
        *,
        actor: str,
        approvers: Sequence[str] = (),
    ) -> FailureOutcome:
        from escalation.failures import report_failure

        return report_failure(self, pipeline, error, log, actor=who(actor), approvers=approvers)

    def _raise(self, new: rows.NewAsk, *, ticket_ref: str | None) -> Raised:
        for _ in range(_RAISE_ATTEMPTS):
            try:
                with self.store.transaction() as session:
                    raised = self._raise_once(session, new, ticket_ref)
            except IntegrityError:
                # Another process inserted the same open wall first: count on it instead.
                continue
            return Raised(self._with_deciders(raised.ask), raised.created)
        raise TrackerError("could not record the ask: the database kept refusing; try again")

    def _raise_once(self, session: Session, new: rows.NewAsk, ticket_ref: str | None) -> Raised:
        now = self.now()
        if ticket_ref is not None:
            ticket = get_ticket(session, ticket_ref, for_update=True)
            if ticket.status in _SETTLED_TICKETS:
                raise TrackerError(
                    f"{ticket_ref} is {ticket.status}: a wall needs a ticket still to be worked"
                )
            new.ticket = ticket
        existing = rows.open_ask(session, new.key)
        if existing is not None and rows.count_occurrence(
            session, existing, now=now, evidence=new.evidence
        ):
            if new.ticket is not None:
                rows.block_ticket(session, existing, new.ticket, actor=new.raised_by, now=now)
            record(
                session,
                at=now,
                actor=new.raised_by,
                subject=ids.ask_ref(existing.id or 0),
                batch_id=existing.batch_id,
                kind="seen_again",
                reason=f"the same wall again: seen {existing.occurrences}×",
                data={"occurrences": existing.occurrences},
            )
            return Raised(rows.detail(session, existing), created=False)
        ask = rows.insert_ask(session, new, now=now, policy=self.policy)
        if new.ticket is not None:
            rows.block_ticket(session, ask, new.ticket, actor=new.raised_by, now=now)
        record(
            session,
            at=now,
            actor=new.raised_by,
            subject=ids.ask_ref(ask.id or 0),
            batch_id=ask.batch_id,
            kind="raised",
            to_state=AskStatus.OPEN,
            reason=f"{ask.kind}: {ask.action}",
            data={"dedupe_key": ask.dedupe_key, "occurrences": ask.occurrences},
        )
        return Raised(rows.detail(session, ask), created=True)

    # -- deciding -------------------------------------------------------------------------

    def check_may_decide(self, ref: str, *, by: str, verdict: Verdict) -> AskDetail:
        """Refuse (and record the attempt) unless `by` may make this decision now."""
        by = who(by)
        ask = self.ask(ref)
        if not ask.is_open:
            raise AskExpired(ask) if ask.status == AskStatus.EXPIRED else AlreadyDecided(ask)
        if ask.expires_at is not None and self.now() >= ask.expires_at:
            self.expire(ref)
            raise AskExpired(self.ask(ref))
        deciders = ask.deciders
        if by not in deciders:
            refusal = NotAllowed(ask.id, by, deciders)
        elif verdict == "approve" and self.policy.two_person_rule and by == ask.raised_by:
            refusal = NotAllowed(
                ask.id,
                by,
                deciders,
                "the two-person rule is on: whoever raised an ask cannot "
                "approve it; someone else must. Nothing changed",
            )
        else:
            return ask
        with self.store.transaction() as session:
            record(
                session,
                at=self.now(),
                actor=by,
                subject=ask.id,
                batch_id=ids.parse_batch(ask.batch) if ask.batch else None,
                kind="decision_refused",
                reason=str(refusal),
                data={"verdict": verdict, "may_decide": deciders},
            )
        raise refusal

    def decide(self, ref: str, verdict: Verdict, *, by: str, note: str | None = None) -> AskDetail:
        """Approve or deny. Exactly one decision wins; every other caller gets AlreadyDecided."""
        by = who(by)
        ask = self.check_may_decide(ref, by=by, verdict=verdict)
        note = clean(note) or None
        if ask.is_question:
            if verdict == "deny":
                raise AskRefused(
                    ask.id,
                    "a question is answered, not denied: answer it, or gate or cancel the ticket",
                )
            if note is None:
                raise AskRefused(ask.id, "answering a question needs the answer (--note)")
            return self._answer(ask, by=by, answer=note)
        if verdict == "deny" and note is None:
            raise AskRefused(ask.id, "a denial needs a reason (--note): it is kept on the ticket")
        to = AskStatus.APPROVED if verdict == "approve" else AskStatus.DENIED
        now = self.now()
        with self.store.transaction() as session:
            row = get_ask(session, ref)
            if not rows.decide(session, row, to=to, by=by, now=now, note=note):
                session.rollback()
                latest = rows.detail(session, get_ask(session, ref))
                raise AskExpired(latest) if latest.status == "expired" else AlreadyDecided(latest)
            if to == AskStatus.APPROVED:
                touched = rows.unblock(session, row, actor=by, now=now)
            else:
                touched = rows.gate(session, row, actor=by, now=now, reason=note or "")
            record(
                session,
                at=now,
                actor=by,
                subject=ask.id,
                batch_id=row.batch_id,
                kind=to.value,
                from_state=AskStatus.OPEN,
                to_state=to,
                reason=note or f"{to.value} by {by}",
                data={"tickets": touched},
            )
            return self._with_deciders(rows.detail(session, row))

    def answer(self, ref: str, *, by: str, text: str) -> AskDetail:
        by = who(by)
        ask = self.check_may_decide(ref, by=by, verdict="approve")
        answer = clean(text)
        if not answer:
            raise AskRefused(ask.id, "an answer cannot be empty")
        if not ask.is_question:
            raise AskRefused(ask.id, f"it is a {ask.kind} ask, not a question: approve or deny it")
        return self._answer(ask, by=by, answer=answer)

    def _answer(self, ask: AskDetail, *, by: str, answer: str) -> AskDetail:
        from escalation.clarify import answer_question

        return self._with_deciders(answer_question(self, ask.id, by=by, answer=answer))

    # -- time: reminders, expiry, and asks nothing waits on any more ---------------------

    def expire(self, ref: str) -> bool:
        from escalation.reminders import close_unanswered

        return close_unanswered(self, ref, AskStatus.EXPIRED)

    def expire_due(self) -> list[str]:
        """Expire every open ask past its deadline. Expiry never approves anything."""
        with self.store.transaction() as session:
            due = rows.due(session, ASK.expires_at, self.now())
        return [ids.ask_ref(ask_id) for ask_id, _ in due if self.expire(ids.ask_ref(ask_id))]

    def cancel_moot(self) -> list[str]:
        """Cancel open asks whose ticket was finished or cancelled without them: nobody
        should be reminded to decide for work that no longer waits."""
        from escalation.reminders import close_unanswered

        with self.store.transaction() as session:
            moot = rows.moot(session)
        return [ref for ref in moot if close_unanswered(self, ref, AskStatus.CANCELLED)]

    def remind_due(self) -> list[Reminder]:
        """Claim every reminder that is due. Each one is claimed by exactly one caller."""
        from escalation.reminders import claim_reminder

        now = self.now()
        with self.store.transaction() as session:
            due = rows.due(session, ASK.next_remind_at, now)
        claimed = []
        for ask_id, sent in due:
            with self.store.transaction() as session:
                row = claim_reminder(session, ask_id, sent, now=now, policy=self.policy)
                if row is None:
                    continue
                detail = self._with_deciders(rows.detail(session, row))
            claimed.append(Reminder(detail, sent + 1))
        return claimed

    # -- where the card is ---------------------------------------------------------------

    def claim_card(self, ref: str, *, stale_after_seconds: float = 300) -> bool:
        """True for the one caller that should post this ask's card now."""
        from escalation.reminders import claim_card

        return claim_card(self, ref, stale_after_seconds=stale_after_seconds)

    def set_card(self, ref: str, *, channel: str, ts: str) -> None:
        with self.store.transaction() as session:
            row = get_ask(session, ref)
            row.channel, row.message_ts = channel, ts
            session.add(row)

    def uncarded(self, limit: int = 50) -> list[str]:
        """Open asks no card shows yet (raised while no bot ran, or a post that failed)."""
        with self.store.transaction() as session:
            return rows.uncarded(session, limit)


__all__ = [
    "AlreadyDecided",
    "AskDetail",
    "AskExpired",
    "AskPolicy",
    "AskRefused",
    "Escalations",
    "NotAllowed",
    "Raised",
    "Reminder",
]
