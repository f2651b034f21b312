"""A day's scripted activity yields a digest whose every line is a fact the database holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.emulator import SlackEmulator
from escalation.asks import Escalations
from tests.support.clock import FakeClock
from tests.support.digest import digest_services, digests, refs, scheduler_for, section_lines
from tests.support.plans import plan, spec
from tracker.models import Batch, DigestRun, Ticket
from tracker.states import TicketStatus

DAY1 = datetime(2026, 11, 17, 9, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def test_every_section_lists_exactly_what_the_database_holds(
    slack: SlackEmulator, db_url: str
) -> None:
    alice = slack.user("alice").id
    clock = FakeClock(DAY1)
    with digest_services(slack, db_url, clock) as services:
        tracker = services.tracker
        esc = Escalations(tracker)
        tracker.import_plan(
            plan(
                spec("config", title="Load the runner config"),
                spec("metrics", "config", title="Emit job metrics"),
                spec("alerts", title="Page on failure"),
                spec("runbook", title="Write the runbook", open_questions=["Who is on call?"]),
                spec("verify", title="Verify paging live"),
                spec("cleanup", title="Remove the old cron"),
                spec("dashboards", "alerts", title="Dashboards"),
                spec("export", title="Export the metrics"),
                title="Visibility and paging",
            ),
            actor="t",
        )
        tracker.approve("FM-1", actor="U1")
        clock.now = DAY1.replace(hour=11)
        esc.wall(
            "FM-1.5",
            kind="permission",
            action="Grant the runner role write access to the metrics project",
            why="metrics writes are refused",
            actor="w3",
            approvers=[alice],
        )
        clock.now = DAY1.replace(hour=12)
        tracker.done("FM-1.6", proof='cmd:"pytest tests/test_cron.py" exit=0', actor="w1")
        scheduler = scheduler_for(services)
        assert scheduler.run_once(DAY1.replace(hour=17)) is not None

        # The day the digest reports on.
        clock.now = DAY2.replace(hour=9)
        assert tracker.next(batch="FM-1", worker="w1") is not None  # FM-1.1
        assert tracker.next(batch="FM-1", worker="w2") is not None  # FM-1.3, never heartbeats
        clock.now = DAY2.replace(hour=9, minute=5)
        tracker.done("FM-1.1", proof='cmd:"pytest tests/test_config.py" exit=0', actor="w1")
        for hour in (10, 11):
            clock.now = DAY2.replace(hour=hour)
            esc.report_failure("x-bookmarks", "token refresh failed: invalid_client", actor="cron")
        clock.now = DAY2.replace(hour=12)
        tracker.done("FM-1.8", proof="pr:https://github.com/acme/runner/pull/42", actor="w1")
        assert scheduler.run_once(DAY2.replace(hour=17)) is not None

        message = digests(slack)[-1]
        shown = section_lines(message)
        with tracker.store.transaction() as session:
            run = session.exec(select(DigestRun).where(DigestRun.local_date == "2026-11-18")).one()
        since, until = run.covers_from, run.claimed_at
        assert since == DAY1.replace(hour=17) and until == DAY2.replace(hour=17)
        window = [e for e in tracker.events(limit=1000) if since < e.at <= until]

        assert list(shown) == ["Shipped", "Batch progress", "Waiting on people", "Risks", "Next"]

        # Shipped: the done events of the window (not FM-1.6, done before the last digest).
        done = [e.subject for e in window if e.kind == "done"]
        assert refs(shown["Shipped"]) == done == ["FM-1.1", "FM-1.8"]
        for line in shown["Shipped"]:
            ticket = tracker.ticket(line.ref or "")
            assert ticket.title in line.text
        assert "`pytest tests/test_config.py` exit 0" in shown["Shipped"][0].text
        assert "<https://github.com/acme/runner/pull/42|PR #42>" in shown["Shipped"][1].text

        # Batch progress: the oracle's count, and its verdict.
        verdict = tracker.oracle("FM-1")
        (progress,) = shown["Batch progress"]
        assert progress.ref == "FM-1"
        assert f"{verdict.finished}/{verdict.total}" in progress.text
        assert verdict.finished == 3 and "oracle: not done" in progress.text

        # Waiting on people: open asks, drafts with questions, blocked tickets.
        open_asks = Escalations(tracker).asks(open_only=True)
        drafts = [t.id for t in tracker.tickets(statuses=[TicketStatus.DRAFT]) if t.open_questions]
        blocked = [t.id for t in tracker.tickets(statuses=[TicketStatus.BLOCKED])]
        assert refs(shown["Waiting on people"]) == [a.id for a in open_asks] + drafts + blocked
        assert refs(shown["Waiting on people"]) == ["ASK-1", "ASK-2", "FM-1.4", "FM-1.5"]
        ask1 = shown["Waiting on people"][0].text
        assert "open 30 h" in ask1 and "waiting on @alice" in ask1 and "blocks FM-1.5" in ask1
        assert "Who is on call?" in shown["Waiting on people"][2].text

        # Risks: the lapsed lease, the ask older than a day, the failure seen twice; no more.
        lapsed = [e.subject for e in window if e.kind == "fake_active"]
        old = [a.id for a in open_asks if until - a.first_seen >= timedelta(hours=24)]
        recurring = [a.id for a in open_asks if a.occurrences > 1]
        violations, _ = tracker.validate()
        expected = lapsed + old + recurring + [v.subject for v in violations]
        assert refs(shown["Risks"]) == expected == ["FM-1.3", "ASK-1", "ASK-2"]
        risk = {line.ref: line.text for line in shown["Risks"]}
        assert "no heartbeat" in risk["FM-1.3"] and "lease lapsed at 09:15" in risk["FM-1.3"]
        assert "has waited 30 h" in risk["ASK-1"]
        assert "x-bookmarks" in risk["ASK-2"] and "seen 2×" in risk["ASK-2"]

        # Next: the top of the batch's ready set, FM-1.2 among it since FM-1.1 is done.
        ready = [t.id for t in tracker.ready(batch="FM-1")]
        assert refs(shown["Next"]) == ready[:3] == ["FM-1.2", "FM-1.3"]


def test_a_quiet_day_is_one_line(slack: SlackEmulator, db_url: str) -> None:
    clock = FakeClock(DAY1)
    with digest_services(slack, db_url, clock) as services:
        assert scheduler_for(services).run_once(DAY1.replace(hour=17)) is not None
    (message,) = digests(slack)
    assert message.blocks is not None and len(message.blocks) == 1
    text = message.blocks[0]["text"]["text"]
    assert "\n" not in text and "a quiet day" in text and "Tue 17 Nov" in text


def test_nothing_in_a_digest_pings_anyone(slack: SlackEmulator, db_url: str) -> None:
    bob = slack.user("bob").id
    clock = FakeClock(DAY1)
    with digest_services(slack, db_url, clock, FOREMAN_APPROVERS=bob) as services:
        tracker = services.tracker
        tracker.import_plan(
            plan(spec("a", title="<!channel> ship it <@U0ALICE> & <https://x.test|click>")),
            actor="t",
        )
        tracker.approve("FM-1", actor="U1")
        Escalations(tracker).wall(
            "FM-1.1",
            kind="decision",
            action="Tell <!here> whether to drop `prod`",
            why="two options",
            actor="w1",
        )
        clock.now = DAY2
        assert scheduler_for(services).run_once(DAY2.replace(hour=17)) is not None
    (message,) = digests(slack)
    shown = str(message.blocks)
    for ping in ("<!channel>", "<!here>", "<@", "<https://x.test"):
        assert ping not in shown
    assert "&lt;!channel&gt;" in shown
    # Nobody named on the ask: FOREMAN_APPROVERS are who it waits on, by name.
    assert "waiting on @bob" in shown


def test_risks_name_stalled_overdue_reopened_failed_and_invalid_work(
    slack: SlackEmulator, db_url: str
) -> None:
    clock = FakeClock(DAY1)
    with digest_services(slack, db_url, clock) as services:
        tracker = services.tracker
        tracker.import_plan(plan(spec("a"), spec("b"), title="Stalled"), actor="t")
        tracker.approve("FM-1", actor="U1")
        with tracker.store.transaction() as session:
            stalled = session.get_one(Batch, 1)
            stalled.due_at = DAY2.replace(hour=12)
        clock.now = DAY2
        tracker.import_plan(plan(spec("a"), spec("b"), title="Flaky"), actor="t")
        tracker.approve("FM-2", actor="U1")
        tracker.done("FM-2.1", proof='cmd:"pytest a" exit=0', actor="w1")
        tracker.set_status(
            "FM-2.1", TicketStatus.OPEN, actor="U1", reason="the export still drops rows"
        )
        tracker.create_batch(title="Research me", request="page someone", actor="U1")
        assert tracker.claim_research(worker="r1", lease_seconds=60, batch="FM-3") is not None
        tracker.fail_research("FM-3", worker="r1", error="the repository is empty")
        tracker.import_plan(plan(spec("a"), title="Awaiting approval"), actor="t")
        # A ticket marked done behind the tracker's back, without proof.
        with tracker.store.transaction() as session:
            session.execute(
                sa.update(Ticket)
                .where(Ticket.batch_id == 2, Ticket.seq == 2)  # type: ignore[arg-type]
                .values(status="done", proof=None)
            )
        assert scheduler_for(services).run_once(DAY2.replace(hour=17)) is not None

        shown = section_lines(digests(slack)[-1])
        assert "Shipped" not in shown  # FM-2.1 was reopened: it has not shipped
        risks = {(line.ref, line.text) for line in shown["Risks"]}
        violations, _ = tracker.validate()
        assert refs(shown["Risks"]) == ["FM-1", "FM-1", "FM-2.1", "FM-3"] + [
            v.subject for v in violations
        ]
        assert [v.code for v in violations] == ["done_without_proof"]
        texts = [text for _, text in sorted(risks)]
        assert any("no ticket finished for 32 h (none since approval)" in t for t in texts)
        assert any("was due 12:00; 2 tickets not finished" in t for t in texts)
        assert any("reopened after done: the export still drops rows" in t for t in texts)
        assert any("research failed: the repository is empty" in t for t in texts)
        assert any("done_without_proof" in t for t in texts)
        (plan_line,) = [w for w in shown["Waiting on people"] if w.ref == "FM-4"]
        assert "plan of 1 ticket awaiting approval" in plan_line.text
        progress = {line.ref: line.text for line in shown["Batch progress"]}
        assert "due Wed 18 Nov" in progress["FM-1"] and "0/2" in progress["FM-1"]
