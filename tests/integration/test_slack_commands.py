"""`/foreman …` and App Home, through the real app over Socket Mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.emulator import SlackEmulator
from tests.support.foreman import RunningBot, running_foreman
from tests.support.plans import plan, spec


@pytest.fixture
def bot(sqlite_db_url: str) -> Iterator[RunningBot]:
    with SlackEmulator() as slack, running_foreman(slack, sqlite_db_url) as running:
        yield running


def ephemeral_after(bot: RunningBot, user: str, needle: str) -> str:
    found = bot.slack.wait_for(
        lambda: [e for e in bot.slack.ephemerals(user=user) if needle in (e.text + str(e.blocks))],
        timeout=5,
    )
    return found[-1].text + str(found[-1].blocks)


def test_help_and_unknown_subcommands(bot: RunningBot) -> None:
    bot.slack.slash_command("alice", "#general", "/foreman", "help")
    assert "/foreman status" in ephemeral_after(bot, "alice", "turns a request")
    bot.slack.slash_command("bob", "#general", "/foreman", "frobnicate")
    assert "/foreman ready" in ephemeral_after(bot, "bob", "I don't know `frobnicate`")


def test_new_starts_a_batch_whose_message_is_the_thread(bot: RunningBot) -> None:
    slack = bot.slack
    slack.slash_command("alice", "#general", "/foreman", "new page the on-call when ingest fails")
    ephemeral_after(bot, "alice", "FM-1 received")
    root = slack.wait_for_message("#general", predicate=lambda m: m.text.startswith("FM-1 · "))
    batch = bot.services.tracker.batch("FM-1")
    assert batch.thread_ts == root.ts == batch.plan_message_ts
    assert batch.request == "page the on-call when ingest fails"


def test_status_and_ready_reflect_the_database(bot: RunningBot) -> None:
    tracker = bot.services.tracker
    tracker.import_plan(plan(spec("a"), spec("b", "a"), title="Export hardening"), actor="t")
    tracker.approve("FM-1", actor="U1")
    bot.slack.slash_command("alice", "#general", "/foreman", "status")
    assert "Export hardening" in ephemeral_after(bot, "alice", "Active batches")
    bot.slack.slash_command("alice", "#general", "/foreman", "status FM-1")
    detail = ephemeral_after(bot, "alice", "FM-1.2")
    assert "depends on FM-1.1" in detail
    bot.slack.slash_command("alice", "#general", "/foreman", "ready FM-1")
    ready = ephemeral_after(bot, "alice", "Ready to work")
    assert "FM-1.1" in ready and "FM-1.2" not in ready
    bot.slack.slash_command("alice", "#general", "/foreman", "status FM-99")
    assert "no batch FM-99" in ephemeral_after(bot, "alice", "FM-99")
    bot.slack.slash_command("alice", "#general", "/foreman", "asks")
    ephemeral_after(bot, "alice", "No open asks")


def test_app_home_shows_active_batches(bot: RunningBot) -> None:
    tracker = bot.services.tracker
    tracker.import_plan(plan(spec("a"), title="Paging"), actor="t")
    bot.slack.open_home("alice")
    home = bot.slack.wait_for(lambda: bot.slack.home("alice"), timeout=5)
    shown = str(home.blocks if hasattr(home, "blocks") else home)
    assert "Nothing waits on you" in shown and "FM-1" in shown and "Paging" in shown


def test_asks_name_who_actually_decides_them(bot: RunningBot) -> None:
    """An ask with no named approvers falls back to the requester: say so, not "anyone"."""
    tracker, slack = bot.services.tracker, bot.slack
    alice = slack.user("alice").id
    batch = tracker.create_batch(
        title="Paging", request="page on failure", actor=alice, requested_by=alice
    )
    tracker.import_plan(plan(spec("a")), actor="planner", batch=batch.id)
    tracker.approve(batch.id, actor=alice)
    bot.services.escalations.wall(
        "FM-1.1",
        kind="permission",
        action="Grant the metrics role",
        why="metric writes are rejected",
        actor="w1",
    )
    slack.slash_command("bob", "#general", "/foreman", "asks")
    listing = ephemeral_after(bot, "bob", "ASK-1")
    assert f"waiting on <@{alice}>" in listing and "blocks FM-1.1" in listing
    slack.open_home("alice")
    home = slack.wait_for(lambda: slack.home("alice"), timeout=5)
    assert "ASK-1" in str(home.blocks) and "Grant the metrics role" in str(home.blocks)
    slack.open_home("bob")
    other = slack.wait_for(lambda: slack.home("bob"), timeout=5)
    assert "ASK-1" not in str(other.blocks) and "Nothing waits on you" in str(other.blocks)
