"""The tracker's public face: every client (CLI, Slack, workers, digest) goes through here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker import ids, oracle, planning, validate, work
from tracker.clock import Clock, utcnow
from tracker.errors import LeaseError, NotFound
from tracker.models import Batch, Event, IdempotencyKey, Ticket
from tracker.oracle import Runner, run_shell
from tracker.plan import Plan, PlannedTicket
from tracker.queries import batch_view, ready_tickets, ticket_views
from tracker.service_research import ResearchQueue
from tracker.states import BatchStatus, TicketStatus
from tracker.store import Store, get_batch, get_ticket
from tracker.tables import BATCH, EVENT, TICKET
from tracker.views import BatchView, OracleItem, OracleVerdict, TicketView, Violation

DEFAULT_LEASE_SECONDS = 900


def batch_ref_of(batch: Batch) -> str:
    assert batch.id is not None
    return ids.batch_ref(batch.id)


class Tracker(ResearchQueue):
    def __init__(self, store: Store, lease_seconds: int = DEFAULT_LEASE_SECONDS) -> None:
        self.store = store
        self.lease = timedelta(seconds=lease_seconds)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        lease_seconds: int = DEFAULT_LEASE_SECONDS,
        clock: Clock = utcnow,
        long_lived: bool = True,
    ) -> Tracker:
        return cls(Store.open(url, clock, long_lived=long_lived), lease_seconds)

    def close(self) -> None:
        self.store.close()

    @property
    def clock(self) -> Clock:
        return self.store.clock

    # -- leases ---------------------------------------------------------------------------

    @contextmanager
    def _swept(self) -> Iterator[Session]:
        """A transaction that first returns lapsed claims to open (one round trip when none)."""
        with self.store.transaction() as session:
            now = self.clock()
            if work.has_lapsed_leases(session, now):
                work.sweep_lapsed_leases(session, now)
            yield session

    def sweep(self) -> list[str]:
        """Return lapsed claims to open. Runs on every read path that matters."""
        now = self.clock()
        with self.store.transaction() as session:
            if not work.has_lapsed_leases(session, now):
                return []
            return work.sweep_lapsed_leases(session, now)

    # -- batches --------------------------------------------------------------------------

    def create_batch(
        self,
        *,
        title: str,
        request: str,
        repo: str = ".",
        actor: str,
        channel: str | None = None,
        thread_ts: str | None = None,
        requested_by: str | None = None,
    ) -> BatchView:
        with self.store.transaction() as session:
            batch = planning.create_batch(
                session,
                title=title,
                request=request,
                repo=repo,
                actor=actor,
                now=self.clock(),
                channel=channel,
                thread_ts=thread_ts,
                requested_by=requested_by,
            )
            return batch_view(session, batch)

    def claim_once(self, key: str) -> bool:
        """True the first time `key` is seen, False ever after (across processes)."""
        try:
            with self.store.transaction() as session:
                session.add(IdempotencyKey(key=key, created_at=self.clock()))
            return True
        except IntegrityError:
            return False

    def create_batch_once(
        self,
        key: str,
        *,
        title: str,
        request: str,
        repo: str = ".",
        actor: str,
        channel: str | None = None,
        thread_ts: str | None = None,
        requested_by: str | None = None,
    ) -> BatchView | None:
        """Create a batch for a delivery identified by `key`, once; None for a duplicate.

        The key and the batch commit together: a delivery that dies before commit leaves
        nothing behind, so its retry creates the batch.
        """
        now = self.clock()
        try:
            with self.store.transaction() as session:
                session.add(IdempotencyKey(key=key, created_at=now))
                session.flush()
                batch = planning.create_batch(
                    session,
                    title=title,
                    request=request,
                    repo=repo,
                    actor=actor,
                    now=now,
                    channel=channel,
                    thread_ts=thread_ts,
                    requested_by=requested_by,
                )
                session.get_one(IdempotencyKey, key).result = batch_ref_of(batch)
                return batch_view(session, batch)
        except IntegrityError:
            return None

    def set_batch_message(self, ref: str, *, channel: str, ts: str) -> None:
        """Remember the Slack message that shows this batch (it is re-rendered in place)."""
        with self.store.transaction() as session:
            batch = get_batch(session, ref, for_update=True)
            batch.channel = batch.channel or channel
            # A batch started by a slash command has no thread yet: its message becomes one.
            batch.thread_ts = batch.thread_ts or ts
            batch.plan_message_ts = ts
            session.add(batch)

    def import_plan(
        self,
        plan: Plan,
        *,
        actor: str,
        batch: str | None = None,
        repo_root: Path | None = None,
    ) -> BatchView:
        """Store a plan as a new batch, or attach it to an existing batch that has none."""
        now = self.clock()
        with self.store.transaction() as session:
            if batch is None:
                target = planning.create_batch(
                    session,
                    title=plan.title,
                    request=plan.request or plan.title,
                    repo=plan.repo,
                    actor=actor,
                    now=now,
                )
            else:
                target = get_batch(session, batch, for_update=True)
            planning.attach_plan(session, target, plan, actor=actor, now=now, repo_root=repo_root)
            return batch_view(session, target)

    def approve(self, batch: str, *, actor: str) -> planning.Approval:
        with self.store.transaction() as session:
            target = get_batch(session, batch, for_update=True)
            return planning.approve(session, target, actor=actor, now=self.clock())

    def cancel(self, batch: str, *, actor: str, reason: str) -> BatchView:
        with self.store.transaction() as session:
            target = get_batch(session, batch, for_update=True)
            planning.cancel_batch(session, target, actor=actor, now=self.clock(), reason=reason)
            return batch_view(session, target)

    def batch(self, ref: str) -> BatchView:
        with self.store.transaction() as session:
            return batch_view(session, get_batch(session, ref))

    def batch_in_thread(self, channel: str, thread_ts: str) -> BatchView | None:
        """The latest batch whose Slack thread this is, if any."""
        with self.store.transaction() as session:
            found = session.exec(
                select(Batch)
                .where(BATCH.channel == channel, BATCH.thread_ts == thread_ts)
                .order_by(BATCH.id.desc())
            ).first()
            return None if found is None else batch_view(session, found)

    def batches(self, *, statuses: list[BatchStatus] | None = None) -> list[BatchView]:
        with self.store.transaction() as session:
            stmt = select(Batch).order_by(BATCH.id)
            if statuses:
                stmt = stmt.where(BATCH.status.in_(statuses))
            return [batch_view(session, b) for b in session.exec(stmt).all()]

    # -- tickets --------------------------------------------------------------------------

    def ticket(self, ref: str) -> TicketView:
        with self._swept() as session:
            return ticket_views(session, [get_ticket(session, ref)])[0]

    def tickets(
        self,
        *,
        batch: str | None = None,
        lane: str | None = None,
        statuses: list[TicketStatus] | None = None,
    ) -> list[TicketView]:
        with self._swept() as session:
            stmt = select(Ticket).order_by(TICKET.batch_id, TICKET.seq)
            if batch is not None:
                stmt = stmt.where(TICKET.batch_id == get_batch(session, batch).id)
            if lane is not None:
                stmt = stmt.where(TICKET.lane == lane)
            if statuses:
                stmt = stmt.where(TICKET.status.in_(statuses))
            return ticket_views(session, list(session.exec(stmt).all()))

    def ready(self, *, batch: str | None = None, lane: str | None = None) -> list[TicketView]:
        with self._swept() as session:
            batch_id = None if batch is None else get_batch(session, batch).id
            return ticket_views(session, ready_tickets(session, batch_id, lane))

    def next(self, *, batch: str, worker: str, lane: str | None = None) -> TicketView | None:
        """Claim the next ready ticket for `worker` (atomic); None when nothing is ready."""
        with self._swept() as session:
            batch_id = get_batch(session, batch).id
            assert batch_id is not None
            claimed = work.claim_next(
                session,
                batch_id=batch_id,
                worker=worker,
                now=self.clock(),
                lease=self.lease,
                lane=lane,
            )
            return None if claimed is None else ticket_views(session, [claimed])[0]

    def heartbeat(self, ref: str, *, worker: str) -> TicketView:
        swept = self.sweep()
        with self.store.transaction() as session:
            ticket = get_ticket(session, ref, for_update=True)
            if ids.ticket_ref(ticket.batch_id, ticket.seq) in swept:
                raise LeaseError(
                    f"{ref}: the lease lapsed before this heartbeat; the ticket went back to "
                    f"open (fake_active). Claim it again with foreman next"
                )
            work.heartbeat(session, ticket, worker=worker, now=self.clock(), lease=self.lease)
            return ticket_views(session, [ticket])[0]

    def release(
        self, ref: str, *, worker: str, reason: str = "released by the worker"
    ) -> TicketView:
        with self.store.transaction() as session:
            ticket = get_ticket(session, ref, for_update=True)
            work.release(session, ticket, worker=worker, now=self.clock(), reason=reason)
            return ticket_views(session, [ticket])[0]

    def done(
        self, ref: str, *, proof: str | None, actor: str, worker: str | None = None
    ) -> TicketView:
        with self.store.transaction() as session:
            ticket = get_ticket(session, ref, for_update=True)
            work.complete(
                session, ticket, proof_text=proof, actor=actor, now=self.clock(), worker=worker
            )
            return ticket_views(session, [ticket])[0]

    def set_status(self, ref: str, to: TicketStatus, *, actor: str, reason: str) -> TicketView:
        """human_gated, blocked, or back to open: the moves a person (or an ask) makes."""
        with self.store.transaction() as session:
            ticket = get_ticket(session, ref, for_update=True)
            work.set_gate(session, ticket, to=to, reason=reason, actor=actor, now=self.clock())
            return ticket_views(session, [ticket])[0]

    def discovered(
        self,
        *,
        origin: str,
        spec: PlannedTicket,
        blocks: list[str] = (),  # type: ignore[assignment]
        depends_on: list[str] = (),  # type: ignore[assignment]
        actor: str,
    ) -> TicketView:
        with self.store.transaction() as session:
            source = get_ticket(session, origin)
            ticket = planning.add_discovered(
                session,
                source,
                spec=spec,
                blocks=[get_ticket(session, ref, for_update=True) for ref in blocks],
                depends_on=[get_ticket(session, ref) for ref in depends_on],
                actor=actor,
                now=self.clock(),
            )
            return ticket_views(session, [ticket])[0]

    # -- the oracle and invariants --------------------------------------------------------

    def oracle(self, batch: str, *, explain_all: bool = False) -> OracleVerdict:
        limit = None if explain_all else oracle.DEFAULT_EXPLAIN_LIMIT
        with self._swept() as session:
            return oracle.judge(session, get_batch(session, batch), limit)

    def verify(self, batch: str, repo_root: Path, runner: Runner = run_shell) -> list[OracleItem]:
        with self.store.transaction() as session:
            return oracle.verify_proofs(session, get_batch(session, batch), repo_root, runner)

    def validate(
        self, *, fix: bool = False, actor: str = work.SYSTEM_ACTOR
    ) -> tuple[list[Violation], list[str]]:
        """(violations found, fixes made). With fix, violations are those left after healing."""
        now = self.clock()
        fixes: list[str] = []
        if fix:
            with self.store.transaction() as session:
                fixes = validate.heal(session, now, actor)
        with self.store.transaction() as session:
            return validate.check(session, now), fixes

    def last_event_id(self) -> int:
        with self.store.transaction() as session:
            return int(
                session.execute(sa.select(sa.func.coalesce(sa.func.max(EVENT.id), 0))).scalar_one()
            )

    def events_after(self, event_id: int, limit: int = 500) -> list[Event]:
        with self.store.transaction() as session:
            stmt = select(Event).where(EVENT.id > event_id).order_by(EVENT.id).limit(limit)
            return list(session.exec(stmt).all())

    def events(
        self, *, subject: str | None = None, batch: str | None = None, limit: int = 200
    ) -> list[Event]:
        with self.store.transaction() as session:
            stmt = select(Event).order_by(EVENT.id.desc()).limit(limit)
            if subject is not None:
                stmt = stmt.where(EVENT.subject == subject)
            if batch is not None:
                stmt = stmt.where(EVENT.batch_id == ids.parse_batch(batch))
            return list(reversed(session.exec(stmt).all()))


def session_for(tracker: Tracker) -> Session:
    """A raw session for packages built on the tracker (intake, escalation). Caller commits."""
    return Session(tracker.store.engine, expire_on_commit=False)


__all__ = ["NotFound", "Tracker"]
