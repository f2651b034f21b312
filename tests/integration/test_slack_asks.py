"""Asks in Slack: the card, who may decide, one decision, modals, reminders and expiry."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.ask_sweeper import AskSweeper
from bot.cli import main
from bot.emulator import SlackEmulator
from bot.emulator.model import Ephemeral
from escalation.asks import Escalations
from tests.support.asks import (
    blocks_text,
    button_click,
    card,
    cards,
    modal_submission,
    thread_with_claimed_ticket,
)
from tests.support.clock import FakeClock
from tests.support.foreman import mention, running_foreman
from tests.support.plans import plan, spec
from tracker.service import Tracker


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FOREMAN_DATABASE_URL", db_url)
    monkeypatch.delenv("FOREMAN_APPROVERS", raising=False)
    monkeypatch.chdir("/tmp")
    return db_url


def test_a_worker_s_wall_is_a_card_only_the_approver_can_decide(
    slack: SlackEmulator, cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_foreman(slack, cli_db) as bot:
        thread, ticket = thread_with_claimed_ticket(bot, requester="alice")
        wall = ["wall", ticket, "--kind", "permission", "--why", "metric writes are rejected"]
        action = "Grant roles/monitoring.metricWriter to runner@acme-prod.iam"
        assert main([*wall, "--action", action, "--tried", "retried 3×", "--as", "w1"]) == 0
        shown = card(slack, "ASK-1")
        assert shown.thread_ts == thread  # in the batch's thread
        body = blocks_text(shown)
        for part in ("PERMISSION NEEDED", action, "metric writes are rejected", "retried 3×"):
            assert part in body
        assert f"blocks {ticket}" in body and f"<@{slack.user('alice').id}>" in body

        slack.click_button("bob", "#general", shown.ts, action_id="ask_approve")
        told = slack.wait_for(lambda: slack.ephemerals(user="bob"), what="bob's note")
        assert told[0].text == (
            f"Only <@{slack.user('alice').id}> can decide ASK-1. Nothing changed."
        )
        tracker = bot.services.tracker
        assert tracker.ticket(ticket).status == "blocked"
        refusal = [e for e in tracker.events(subject="ASK-1") if e.kind == "decision_refused"]
        assert refusal and refusal[0].actor == slack.user("bob").id
        assert "Approve" in blocks_text(card(slack, "ASK-1"))

        slack.click_button("alice", "#general", shown.ts, action_id="ask_approve")
        slack.wait_for(lambda: "Approved" in blocks_text(card(slack, "ASK-1")), what="decision")
        final = blocks_text(card(slack, "ASK-1"))
        assert f"by <@{slack.user('alice').id}>" in final and "ask_approve" not in final
        assert tracker.ticket(ticket).status == "open"
        capsys.readouterr()
        assert main(["next", "--batch", ticket.split(".")[0], "--worker", "w2"]) == 0
        assert capsys.readouterr().out.strip() == ticket
        assert len(cards(slack, "ASK-1")) == 1


def test_deny_asks_for_a_reason_and_a_user_group_decides(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    group = slack.add_usergroup("ops", ["carol"])
    with running_foreman(slack, sqlite_db_url, FOREMAN_APPROVERS=group) as bot:
        _, ticket = thread_with_claimed_ticket(bot)
        bot.services.escalations.wall(
            ticket, kind="access", action="Open 5432 to the runner", why="no route", actor="w1"
        )
        shown = card(slack, "ASK-1")
        assert f"<!subteam^{group}>" in blocks_text(shown)
        slack.click_button("bob", "#general", shown.ts, action_id="ask_deny")
        note = slack.wait_for(lambda: slack.ephemerals(user="bob"))
        assert f"Only <@{slack.user('carol').id}> can decide ASK-1" in note[0].text
        assert slack.views("bob") == []

        slack.click_button("carol", "#general", shown.ts, action_id="ask_deny")
        modal = slack.wait_for(lambda: slack.views("carol"), what="the deny modal")[-1]
        refused = slack.submit_view("carol", modal.id, {"reason": "   "})
        assert "reason" in refused.errors
        assert bot.services.tracker.ticket(ticket).status == "blocked"
        slack.submit_view("carol", modal.id, {"reason": "prod DB is not reachable from CI"})
        slack.wait_for(lambda: "Denied" in blocks_text(card(slack, "ASK-1")), what="denial")
        assert "prod DB is not reachable from CI" in blocks_text(card(slack, "ASK-1"))
        gated = bot.services.tracker.ticket(ticket)
        assert gated.status == "human_gated"
        assert "prod DB is not reachable from CI" in (gated.gate_reason or "")


def test_long_evidence_is_shortened_with_the_full_text_on_request(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    log = "\n".join(
        f"02:00:{i:02d} PermissionDenied: monitoring.timeSeries.create #{i}" for i in range(30)
    )
    with running_foreman(slack, sqlite_db_url) as bot:
        _, ticket = thread_with_claimed_ticket(bot)
        bot.services.escalations.wall(
            ticket, kind="permission", action="Grant X", why="w", actor="w1", evidence=log
        )
        shown = card(slack, "ASK-1")
        assert "#5" in blocks_text(shown) and "#29" not in blocks_text(shown)
        slack.click_button("bob", "#general", shown.ts, text="Full evidence")
        modal = slack.wait_for(lambda: slack.views("bob"), what="the evidence modal")[-1]
        assert "#0" in str(modal.blocks) and "#29" in str(modal.blocks)


def test_approving_a_plan_asks_its_open_questions_and_an_answer_opens_the_ticket(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    with running_foreman(slack, sqlite_db_url) as bot:
        posted = slack.post_user_message("alice", "#general", mention(slack, "keep raw events"))
        slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
        question = "Which region: eu-west-1 or us-east-1?"
        tracker = bot.services.tracker
        tracker.import_plan(
            plan(spec("bucket", open_questions=[question]), spec("writer", "bucket")),
            actor="planner",
            batch="FM-1",
        )
        shown_plan = slack.wait_for_message(
            "#general", lambda m: "plan ready" in m.text, thread_ts=posted.ts
        )
        slack.click_button("alice", "#general", shown_plan.ts, text="Approve plan")
        shown = card(slack, "ASK-1")
        assert shown.thread_ts == posted.ts
        assert "QUESTION" in blocks_text(shown) and question in blocks_text(shown)
        assert "ask_approve" not in blocks_text(shown)
        assert tracker.ticket("FM-1.1").status == "draft"
        slack.click_button("alice", "#general", shown.ts, text="Answer…")
        modal = slack.wait_for(lambda: slack.views("alice"), what="the answer modal")[-1]
        slack.submit_view("alice", modal.id, {"answer": "eu-west-1"})
        slack.wait_for(lambda: "Answered" in blocks_text(card(slack, "ASK-1")), what="answer")
        answered = tracker.ticket("FM-1.1")
        assert answered.status == "open" and answered.open_questions == []
        assert "eu-west-1" in answered.scope
        assert [t.id for t in tracker.ready(batch="FM-1")] == ["FM-1.1"]


@pytest.mark.parametrize("clicks", [10])
def test_racing_clicks_on_two_bot_processes_make_exactly_one_decision(
    slack: SlackEmulator, db_url: str, clicks: int
) -> None:
    deciders = f"{slack.user('alice').id},{slack.user('carol').id}"
    settings: dict[str, Any] = {"FOREMAN_APPROVERS": deciders, "FOREMAN_ASKS_CHANNEL": "#general"}
    with (
        running_foreman(slack, db_url, "socket", **settings) as one,
        running_foreman(slack, db_url, "http", **settings) as two,
    ):
        tracker = one.services.tracker
        tracker.import_plan(plan(spec("export")), actor="planner")
        tracker.approve("FM-1", actor="cli")
        ticket = tracker.next(batch="FM-1", worker="w1")
        assert ticket is not None
        two.services.escalations.wall(
            ticket.id, kind="credential", action="Rotate EXPORT_KEY", why="401", actor="w1"
        )
        shown = card(slack, "ASK-1")
        channel = shown.channel
        payloads = []
        for i in range(clicks):
            user = ("alice", "carol")[i % 2]
            if i % 3 == 2:
                meta = {"ask": "ASK-1", "channel": channel}
                payloads.append(
                    modal_submission(slack, user, "ask_deny_reason", "reason", "no", meta)
                )
            else:
                payloads.append(button_click(slack, shown, user, "ask_approve", "ASK-1"))
        barrier = threading.Barrier(clicks)

        def click(i: int) -> None:
            barrier.wait()
            slack.deliver("interactive", payloads[i], transport=("socket", "http")[i % 2])

        threads = [threading.Thread(target=click, args=(i,)) for i in range(clicks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        def notes_to_losers() -> list[Ephemeral] | None:
            notes = [e for e in slack.ephemerals() if "already" in e.text]
            return notes if len(notes) >= clicks - 1 else None

        losers = slack.wait_for(notes_to_losers, timeout=10, what="a note to every lost click")
        decisions = [e for e in tracker.events(subject="ASK-1") if e.kind in ("approved", "denied")]
        assert len(decisions) == 1 and len(losers) == clicks - 1
        ask = one.services.escalations.ask("ASK-1")
        assert ask.status == decisions[0].kind and ask.decided_by == decisions[0].actor
        assert all(f"already {ask.status}" in e.text for e in losers)
        label = "Approved" if ask.status == "approved" else "Denied"
        slack.wait_for(lambda: label in blocks_text(card(slack, "ASK-1")), what="the card")
        assert len(cards(slack, "ASK-1")) == 1


def test_reminders_post_once_with_two_processes_and_expiry_never_approves(
    slack: SlackEmulator, db_url: str
) -> None:
    clock = FakeClock()
    settings: dict[str, Any] = {
        "FOREMAN_APPROVERS": slack.user("alice").id,
        "FOREMAN_ASK_REMIND": "3600",
        "FOREMAN_ASK_EXPIRE": "10800",
        "FOREMAN_ASK_MAX_REMINDERS": "5",
    }
    with (
        running_foreman(slack, db_url, "socket", clock=clock, **settings) as one,
        running_foreman(slack, db_url, "http", clock=clock, **settings) as two,
    ):
        thread, ticket = thread_with_claimed_ticket(one)
        one.services.escalations.wall(ticket, kind="decision", action="Pick X", why="w", actor="w1")
        shown = card(slack, "ASK-1")
        sweepers = [AskSweeper(b.services.escalations, b.services.asks) for b in (one, two)]

        def sweep_both() -> None:
            barrier = threading.Barrier(2)

            def run(s: AskSweeper) -> None:
                barrier.wait()
                s.run_once()

            threads = [threading.Thread(target=run, args=(s,)) for s in sweepers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        def reminders() -> list[str]:
            return [m.text for m in slack.thread("#general", thread) if "reminder" in m.text]

        clock.advance(minutes=59)
        sweep_both()
        assert reminders() == []
        for expected in (1, 2):
            clock.advance(hours=1)
            sweep_both()
            sweep_both()
            assert len(reminders()) == expected
        assert f"<@{slack.user('alice').id}>: reminder 1 of 5: *ASK-1*" in reminders()[0]
        clock.advance(hours=1, minutes=1)
        sweep_both()
        assert len(reminders()) == 2  # the deadline passed: it expires instead
        slack.wait_for(lambda: "Expired" in blocks_text(card(slack, "ASK-1")), what="expiry")
        assert len(cards(slack, "ASK-1")) == 1
        slack.deliver("interactive", button_click(slack, shown, "alice", "ask_approve", "ASK-1"))
        note = slack.wait_for(lambda: slack.ephemerals(user="alice"))
        assert "expired without a decision, so nothing was approved" in note[0].text
        assert one.services.tracker.ticket(ticket).status == "blocked"
        assert one.services.escalations.ask("ASK-1").status == "expired"


def test_an_ask_raised_while_no_bot_ran_is_posted_once_when_one_starts(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    offline = Tracker.open(sqlite_db_url)
    try:
        offline.import_plan(plan(spec("export")), actor="planner")
        offline.approve("FM-1", actor="cli")
        Escalations(offline).report_failure("nightly", "invalid_client", actor="cron")
    finally:
        offline.close()
    settings: dict[str, Any] = {"FOREMAN_ASKS_CHANNEL": "#general"}
    with (
        running_foreman(slack, sqlite_db_url, "socket", **settings) as one,
        running_foreman(slack, sqlite_db_url, "http", **settings) as two,
    ):
        sweeps = [
            AskSweeper(b.services.escalations, b.services.asks).run_once() for b in (one, two)
        ]
        assert [s.posted for s in sweeps] == [["ASK-1"], []]
        assert "CREDENTIAL NEEDED" in blocks_text(card(slack, "ASK-1"))
        assert len(cards(slack, "ASK-1")) == 1
