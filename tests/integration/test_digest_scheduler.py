"""The daily digest appears once per local day at its local time, whatever the processes do."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.digest import runs
from bot.digest.schedule import Slot
from bot.emulator import SlackEmulator
from bot.serve import start_background
from tests.support.clock import FakeClock
from tests.support.digest import digest_services, digests, scheduler_for
from tests.support.plans import plan, spec
from tracker.models import DigestRun
from tracker.service import Tracker


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def digest_runs(tracker: Tracker) -> list[DigestRun]:
    with tracker.store.transaction() as session:
        return list(session.exec(select(DigestRun).order_by(DigestRun.local_date)).all())


@pytest.mark.parametrize(
    ("tz", "at", "due"),
    [
        pytest.param(
            "America/New_York",
            "17:00",
            [utc(2026, 3, 7, 22), utc(2026, 3, 8, 21), utc(2026, 3, 9, 21)],
            id="new-york-spring-forward",
        ),
        pytest.param(
            "America/New_York",
            "17:00",
            [utc(2026, 10, 31, 21), utc(2026, 11, 1, 22), utc(2026, 11, 2, 22)],
            id="new-york-fall-back",
        ),
        pytest.param(
            "Pacific/Kiritimati",
            "09:00",
            [utc(2026, 11, 17, 19), utc(2026, 11, 18, 19), utc(2026, 11, 19, 19)],
            id="kiritimati-utc+14",
        ),
        pytest.param(
            "Pacific/Pago_Pago",
            "17:00",
            [utc(2026, 11, 18, 4), utc(2026, 11, 19, 4), utc(2026, 11, 20, 4)],
            id="pago-pago-utc-11",
        ),
    ],
)
def test_the_digest_appears_at_the_local_time_and_not_before(
    slack: SlackEmulator, db_url: str, tz: str, at: str, due: list[datetime]
) -> None:
    clock = FakeClock(due[0] - timedelta(hours=3))
    with digest_services(slack, db_url, clock, at=at, tz=tz) as services:
        scheduler = scheduler_for(services)
        for n, moment in enumerate(due, start=1):
            clock.now = moment - timedelta(seconds=1)
            assert scheduler.run_once() is None
            assert len(digests(slack)) == n - 1
            clock.now = moment
            assert scheduler.run_once() is not None
            # Nothing more until the next slot (checked a second before it, above), even past
            # UTC midnight.
            for later in (timedelta(seconds=1), timedelta(hours=6), timedelta(hours=12)):
                clock.now = moment + later
                assert scheduler.run_once() is None
            assert len(digests(slack)) == n
        posted = digest_runs(services.tracker)
        assert [r.scheduled_for for r in posted] == due
        assert [r.local_date for r in posted] == [
            m.astimezone(ZoneInfo(tz)).date().isoformat() for m in due
        ]
        assert all(r.posted_at is not None and not r.late for r in posted)
        assert [d.ts for d in digests(slack)] == [r.message_ts for r in posted]


def test_two_processes_at_posting_time_post_one_message(slack: SlackEmulator, db_url: str) -> None:
    clock = FakeClock(utc(2026, 11, 18, 17))
    with ExitStack() as stack:
        processes = [stack.enter_context(digest_services(slack, db_url, clock)) for _ in range(3)]
        schedulers = [scheduler_for(p) for p in processes]
        barrier = threading.Barrier(len(schedulers))
        results: list[str | None] = []
        errors: list[BaseException] = []

        def tick(index: int) -> None:
            try:
                barrier.wait(timeout=5)
                results.append(schedulers[index].run_once())
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=tick, args=(i,)) for i in range(len(schedulers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert not errors
        assert len([ts for ts in results if ts is not None]) == 1
        for later in (30, 300, 3600):
            clock.now = utc(2026, 11, 18, 17) + timedelta(seconds=later)
            assert all(s.run_once() is None for s in schedulers)
        (message,) = digests(slack)
        (run,) = digest_runs(processes[0].tracker)
        assert run.message_ts == message.ts and run.local_date == "2026-11-18"


def test_a_restart_around_posting_time_still_posts_once(slack: SlackEmulator, db_url: str) -> None:
    clock = FakeClock(utc(2026, 11, 18, 16, 58))
    with digest_services(slack, db_url, clock) as before:
        assert scheduler_for(before).run_once(utc(2026, 11, 18, 16, 59, 30)) is None
    clock.now = utc(2026, 11, 18, 17, 0, 40)
    with digest_services(slack, db_url, clock) as after:
        assert scheduler_for(after).run_once() is not None
    clock.now = utc(2026, 11, 18, 17, 2)
    with digest_services(slack, db_url, clock) as again:
        assert scheduler_for(again).run_once() is None
    (message,) = digests(slack)
    assert "late" not in message.text


def test_a_claim_whose_process_died_before_posting_is_taken_over(
    slack: SlackEmulator, db_url: str
) -> None:
    clock = FakeClock(utc(2026, 11, 18, 17, 0, 5))
    with digest_services(slack, db_url, clock) as crashed:
        slot = Slot(date(2026, 11, 18), utc(2026, 11, 18, 17))
        claim = runs.claim(
            crashed.tracker.store, channel="#general", slot=slot, worker="dead", now=clock.now
        )
        assert claim is not None
    with digest_services(slack, db_url, clock) as survivor:
        scheduler = scheduler_for(survivor)
        # A fresh claim may belong to a process that is posting right now: leave it alone.
        assert scheduler.run_once(utc(2026, 11, 18, 17, 1)) is None
        assert digests(slack) == []
        clock.now = utc(2026, 11, 18, 17, 0, 5) + runs.CLAIM_STALE + timedelta(seconds=1)
        assert scheduler.run_once() is not None
        assert scheduler.run_once() is None
        (run,) = digest_runs(survivor.tracker)
        assert run.claimed_by == scheduler.worker and run.late
    (message,) = digests(slack)
    assert "late: the bot was down at 17:00" in str(message.blocks)


def test_a_bot_down_at_posting_time_posts_once_late_when_it_comes_back(
    slack: SlackEmulator, db_url: str
) -> None:
    clock = FakeClock(utc(2026, 11, 17, 9))
    with digest_services(slack, db_url, clock) as first:
        first.tracker.import_plan(plan(spec("a"), spec("b"), spec("c")), actor="t")
        first.tracker.approve("FM-1", actor="U1")
        first.tracker.done("FM-1.1", proof='cmd:"pytest a" exit=0', actor="w1")
        assert scheduler_for(first).run_once(utc(2026, 11, 17, 17)) is not None
    # Down from 17:10 on the 17th until 18:30 on the 18th: one digest missed.
    clock.now = utc(2026, 11, 18, 10)
    with digest_services(slack, db_url, clock) as worker:
        worker.tracker.done("FM-1.2", proof='cmd:"pytest b" exit=0', actor="w1")
    clock.now = utc(2026, 11, 18, 18, 30)
    with digest_services(slack, db_url, clock) as back:
        scheduler = scheduler_for(back)
        assert scheduler.run_once() is not None
        assert scheduler.run_once(utc(2026, 11, 18, 18, 31)) is None
        assert scheduler.run_once(utc(2026, 11, 19, 9)) is None
    first_digest, late = digests(slack)
    assert "late" not in first_digest.text
    assert "(late)" in late.text
    assert "late: the bot was down at 17:00" in str(late.blocks)
    # The late digest starts where the previous one stopped: FM-1.2, not FM-1.1 again.
    assert "FM-1.2" in str(late.blocks) and "FM-1.1" not in str(late.blocks)


def test_a_day_without_a_digest_is_covered_by_the_next_one(
    slack: SlackEmulator, db_url: str
) -> None:
    clock = FakeClock(utc(2026, 11, 16, 9))
    with digest_services(slack, db_url, clock) as services:
        tracker = services.tracker
        tracker.import_plan(plan(spec("a"), spec("b"), spec("c")), actor="t")
        tracker.approve("FM-1", actor="U1")
        scheduler = scheduler_for(services)
        assert scheduler.run_once(utc(2026, 11, 16, 17)) is not None
        clock.now = utc(2026, 11, 17, 12)
        tracker.done("FM-1.1", proof='cmd:"pytest a" exit=0', actor="w1")
        clock.now = utc(2026, 11, 18, 12)
        tracker.done("FM-1.2", proof="pr:https://example.com/o/r/pull/7", actor="w1")
    # Down from the 16th's digest until 17:20 on the 18th: the 17th never had a digest.
    clock.now = utc(2026, 11, 18, 17, 20)
    with digest_services(slack, db_url, clock) as back:
        assert scheduler_for(back).run_once() is not None
        assert [r.local_date for r in digest_runs(back.tracker)] == ["2026-11-16", "2026-11-18"]
    latest = str(digests(slack)[-1].blocks)
    assert "*FM-1.1*" in latest and "*FM-1.2*" in latest
    assert "since Mon 16 Nov 17:00" in latest


def test_a_fresh_install_does_not_post_yesterdays_digest(slack: SlackEmulator, db_url: str) -> None:
    clock = FakeClock(utc(2026, 11, 18, 9))
    with digest_services(slack, db_url, clock) as services:
        scheduler = scheduler_for(services)
        assert scheduler.run_once() is None
        assert scheduler.run_once(utc(2026, 11, 18, 17)) is not None
    (message,) = digests(slack)
    assert "late" not in message.text


def test_serve_starts_the_scheduler_in_the_background(slack: SlackEmulator, db_url: str) -> None:
    clock = FakeClock(utc(2026, 11, 18, 17, 0, 10))
    with digest_services(slack, db_url, clock) as services:
        workers = start_background(services)
        try:
            slack.wait_for(lambda: digests(slack), timeout=5)
        finally:
            for worker in workers:
                worker.stop()
        assert len(digests(slack)) == 1
        assert digest_runs(services.tracker)[0].posted_at is not None
