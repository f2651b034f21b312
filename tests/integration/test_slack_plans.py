"""The plan in the thread: rendered from the database, approved from its button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.emulator import SlackEmulator
from bot.emulator.model import Message
from tests.support.foreman import RunningBot, mention, running_foreman
from tests.support.plans import plan, spec


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def request_with_plan(bot: RunningBot) -> tuple[str, Message]:
    """A mention, then a plan attached through the tracker; returns the thread ts and message."""
    slack = bot.slack
    posted = slack.post_user_message("alice", "#general", mention(slack, "visibility and paging"))
    slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    bot.services.tracker.import_plan(
        plan(
            spec("config", file_hooks=[{"path": "bot/settings.py", "why": "reads FOREMAN_*"}]),
            spec("metrics", "config"),
            spec("verify", "metrics", title="Verify live: a synthetic failure pages"),
            title="Visibility and paging",
        ),
        actor="planner",
        batch="FM-1",
    )
    shown = slack.wait_for_message(
        "#general",
        thread_ts=posted.ts,
        predicate=lambda m: "plan ready" in m.text,
        timeout=5,
    )
    return posted.ts, shown


def texts(message: Message) -> str:
    return str(message.blocks)


@pytest.mark.parametrize("transport", ["socket", "http"])
def test_plan_is_shown_and_approved_from_the_button(
    slack: SlackEmulator, db_url: str, transport: str
) -> None:
    with running_foreman(slack, db_url, transport) as bot:  # type: ignore[arg-type]
        _, shown = request_with_plan(bot)
        body = texts(shown)
        assert "FM-1.1 · Do config" in body and "FM-1.3 · Verify live" in body
        assert "depends on FM-1.2" in body and "bot/settings.py" in body
        slack.click_button("alice", "#general", shown.ts, text="Approve plan")
        approved = slack.wait_for(
            lambda: "approved by" in texts(slack.message("#general", shown.ts) or shown), timeout=5
        )
        assert approved
        statuses = {t.id: t.status for t in bot.services.tracker.tickets(batch="FM-1")}
        assert statuses == {"FM-1.1": "open", "FM-1.2": "open", "FM-1.3": "open"}
        final = slack.message("#general", shown.ts)
        assert final is not None and "Approve plan" not in texts(final)
        assert f"<@{slack.user('alice').id}>" in texts(final)


def test_second_click_and_click_after_restart_change_nothing(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    with running_foreman(slack, sqlite_db_url) as bot:
        _, shown = request_with_plan(bot)
        slack.click_button("alice", "#general", shown.ts, action_id="approve_plan")
        slack.wait_for(lambda: bot.services.tracker.batch("FM-1").status == "approved")
        events_before = len(bot.services.tracker.events(limit=1000))
    # A double click, or a client still showing the old message after the bot restarted,
    # delivers the same block_actions payload again: replay it as Slack would.
    with running_foreman(slack, sqlite_db_url) as restarted:
        delivery = slack.deliver("interactive", _block_action(slack, shown, "alice"))
        assert delivery.acked
        note = slack.wait_for(
            lambda: [e for e in slack.ephemerals() if "already approved" in e.text], timeout=5
        )
        assert note
        assert len(restarted.services.tracker.events(limit=1000)) == events_before


def _block_action(slack: SlackEmulator, message: Message, user: str) -> dict[str, object]:
    person = slack.user(user)
    return {
        "type": "block_actions",
        "team": {"id": slack.team_id},
        "user": {"id": person.id, "name": person.name},
        "api_app_id": "A0FOREMAN",
        "token": "",
        "trigger_id": "1.2.stale",
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        "channel": {"id": message.channel},
        "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
        "actions": [
            {
                "type": "button",
                "action_id": "approve_plan",
                "block_id": "plan:FM-1",
                "value": "FM-1",
                "action_ts": "1.3",
            }
        ],
    }


def test_someone_else_cannot_approve_or_cancel(slack: SlackEmulator, sqlite_db_url: str) -> None:
    with running_foreman(slack, sqlite_db_url) as bot:
        _, shown = request_with_plan(bot)
        slack.click_button("bob", "#general", shown.ts, text="Approve plan")
        slack.click_button("bob", "#general", shown.ts, text="Cancel")
        notes = slack.wait_for(
            lambda: [e.text for e in slack.ephemerals(user="bob") if "Only" in e.text], timeout=5
        )
        assert notes and all("Nothing changed" in n for n in notes)
        assert bot.services.tracker.batch("FM-1").status == "planned"


def test_changes_made_elsewhere_rerender_the_thread(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    with running_foreman(slack, sqlite_db_url) as bot:
        _, shown = request_with_plan(bot)
        tracker = bot.services.tracker
        tracker.approve("FM-1", actor="cli:dana")  # e.g. `foreman approve` from a terminal
        ticket = tracker.next(batch="FM-1", worker="w1")
        assert ticket is not None
        tracker.done(ticket.id, proof='cmd:"pytest" exit=0', actor="w1")
        updated = slack.wait_for(
            lambda: "1/3 finished" in (slack.message("#general", shown.ts) or shown).text,
            timeout=5,
        )
        assert updated


def test_a_rerender_that_changes_nothing_is_not_sent(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    with running_foreman(slack, sqlite_db_url) as bot:
        request_with_plan(bot)
        presenter = bot.services.presenter
        presenter.refresh("FM-1")
        updates = slack.call_count("chat.update")
        presenter.refresh("FM-1")
        presenter.refresh("FM-1")
        assert slack.call_count("chat.update") == updates
        bot.services.tracker.approve("FM-1", actor="U1")
        presenter.refresh("FM-1")
        assert slack.call_count("chat.update") == updates + 1
