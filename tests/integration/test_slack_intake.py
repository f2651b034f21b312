"""Requests in through the real Bolt app and slack_sdk, over Socket Mode and signed HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from bot.emulator import Signing, SlackEmulator
from tests.support.foreman import RunningBot, bot_texts, mention, running_foreman


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture(params=["socket", "http"])
def bot(request: pytest.FixtureRequest, slack: SlackEmulator, db_url: str) -> Iterator[RunningBot]:
    with running_foreman(slack, db_url, request.param) as running:
        yield running


SEED = (
    "give us real visibility into what the system is actually doing, and make sure someone "
    "gets paged when production breaks"
)


def thread_replies(slack: SlackEmulator, ts: str) -> list[str]:
    return [m.text for m in slack.thread("#general", ts) if m.ts != ts]


def test_mention_becomes_a_master_ticket_with_a_thread_reply(bot: RunningBot) -> None:
    slack = bot.slack
    posted = slack.post_user_message("alice", "#general", mention(slack, SEED))
    reply = slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    assert reply.text.startswith("FM-1 · Give us real visibility into what the system")
    assert reply.text.endswith("researching…")
    assert slack.reactions("#general", posted.ts) == {"eyes": [slack.bot_user_id]}
    tracker = bot.services.tracker
    slack.wait_for(lambda: tracker.batch("FM-1").plan_message_ts == reply.ts, timeout=5)
    batch = tracker.batch("FM-1")
    assert batch.status == "received"
    assert batch.request == SEED
    assert batch.thread_ts == posted.ts and batch.plan_message_ts == reply.ts
    assert batch.requested_by == slack.user("alice").id


def test_duplicate_deliveries_make_one_ticket_and_one_reply(bot: RunningBot) -> None:
    slack = bot.slack
    posted = slack.post_user_message("alice", "#general", mention(slack, "page the on-call"))
    first = next(d for d in posted.deliveries if d.event_id)
    slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    start = threading.Barrier(19)

    def redeliver(n: int) -> None:
        start.wait()
        slack.redeliver(first, retry_num=n % 4)

    threads = [threading.Thread(target=redeliver, args=(n,)) for n in range(19)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len([d for d in slack.deliveries() if d.event_id == first.event_id]) == 20
    assert len(bot.services.tracker.batches()) == 1
    assert len(thread_replies(slack, posted.ts)) == 1


def test_a_retry_after_a_crash_before_commit_still_creates_the_ticket(bot: RunningBot) -> None:
    slack = bot.slack
    engine = bot.services.tracker.store.engine
    crashed = threading.Event()

    def note_insert(conn: sa.Connection, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO BATCH"):
            conn.info["creating_batch"] = True

    def crash_once(conn: sa.Connection) -> None:
        # Only the intake's own transaction dies; other commits (the projector's) go through.
        if conn.info.pop("creating_batch", False) and not crashed.is_set():
            crashed.set()
            raise RuntimeError("process died before commit")

    sa.event.listen(engine, "before_cursor_execute", note_insert)
    sa.event.listen(engine, "commit", crash_once)
    try:
        posted = slack.post_user_message("alice", "#general", mention(slack, "rotate the key"))
        slack.wait_for(crashed.is_set, timeout=5)
    finally:
        sa.event.remove(engine, "commit", crash_once)
        sa.event.remove(engine, "before_cursor_execute", note_insert)
    assert bot.services.tracker.batches() == []
    first = next(d for d in posted.deliveries if d.event_id)
    slack.redeliver(first, retry_num=1)
    slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    assert [b.title for b in bot.services.tracker.batches()] == ["Rotate the key"]


def test_empty_mention_gets_help_and_no_ticket(bot: RunningBot) -> None:
    slack = bot.slack
    posted = slack.post_user_message("alice", "#general", f"<@{slack.bot_user_id}>   ")
    reply = slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    assert "Tell me what you need" in reply.text
    assert bot.services.tracker.batches() == []


def test_huge_message_becomes_a_ticket_with_a_short_title(bot: RunningBot) -> None:
    slack = bot.slack
    text = "make the nightly export resumable " + "because it keeps failing " * 1600
    assert len(text) >= 40_000
    posted = slack.post_user_message("alice", "#general", mention(slack, text[:40_000]))
    reply = slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    batch = bot.services.tracker.batch("FM-1")
    assert len(batch.title) <= 80 and batch.title.endswith("…")
    assert len(batch.request) > 39_000
    assert len(reply.text) < 400


def test_user_text_that_would_ping_is_never_echoed_as_a_ping(bot: RunningBot) -> None:
    slack = bot.slack
    posted = slack.post_user_message(
        "alice", "#general", mention(slack, "<!channel> <!here> tell <@U123> the build is red")
    )
    slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    shown = "\n".join(bot_texts(slack))
    for ping in ("<!channel>", "<!here>", "<@U123>"):
        assert ping not in shown
    assert bot.services.tracker.batch("FM-1").request.startswith("<!channel>")


def test_bot_messages_edits_and_deletions_never_create_tickets(bot: RunningBot) -> None:
    slack = bot.slack
    posted = slack.post_user_message("alice", "#general", "just chatting")
    slack.edit_user_message("alice", "#general", posted.ts, mention(slack, "now a request?"))
    slack.delete_user_message("alice", "#general", posted.ts)
    slack.post_bot_message(
        "#general",
        mention(slack, "deploy everything"),
        bot_id="B0OTHER",
        username="otherbot",
        blocks=None,
        thread_ts=None,
    )
    dm = slack.dm("alice").id
    slack.deliver_event(
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": slack.bot_id,
            "channel": dm,
            "channel_type": "im",
            "text": "FM-1 · echo",
            "ts": "1.1",
        }
    )
    # A real request afterwards proves the bot was listening the whole time.
    real = slack.post_user_message("alice", "#general", mention(slack, "add a health check"))
    slack.wait_for_message("#general", thread_ts=real.ts, after=real.ts)
    assert [b.title for b in bot.services.tracker.batches()] == ["Add a health check"]


def test_a_direct_message_is_a_request_too(bot: RunningBot) -> None:
    slack = bot.slack
    dm = slack.dm("bob").id
    posted = slack.post_user_message("bob", dm, "add retries to the exporter")
    reply = slack.wait_for_message(dm, thread_ts=posted.ts, after=posted.ts)
    assert reply.text.startswith("FM-1 · Add retries to the exporter")


def test_rate_limited_reply_arrives_exactly_once(bot: RunningBot) -> None:
    slack = bot.slack
    slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    posted = slack.post_user_message("alice", "#general", mention(slack, "ship the fix"))
    slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts, timeout=10)
    assert len(thread_replies(slack, posted.ts)) == 1
    assert slack.call_count("chat.postMessage") == 2  # the 429, then the one that landed


def test_message_shortcut_sends_a_message_to_foreman(bot: RunningBot) -> None:
    slack = bot.slack
    original = slack.post_user_message("carol", "#general", "the export job is silently failing")
    slack.message_shortcut("alice", "#general", original.ts, "send_to_foreman")
    reply = slack.wait_for_message("#general", thread_ts=original.ts, after=original.ts)
    assert reply.text.startswith("FM-1 · The export job is silently failing")
    assert bot.services.tracker.batch("FM-1").requested_by == slack.user("alice").id


@pytest.mark.parametrize("age", [301, 3600])
def test_stale_signed_request_is_rejected_and_stores_nothing(
    slack: SlackEmulator, sqlite_db_url: str, age: int
) -> None:
    with running_foreman(slack, sqlite_db_url, "http") as bot:
        event = {
            "type": "app_mention",
            "user": slack.user("alice").id,
            "channel": "C0GENERAL",
            "text": mention(slack, "deploy"),
            "ts": "1700000000.000100",
        }
        delivery = slack.deliver_event(event, signing=Signing(timestamp_age=age))
        assert delivery.status == 401
        assert bot.services.tracker.batches() == []


def test_forged_and_unsigned_requests_get_401_and_a_fresh_one_is_accepted(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    with running_foreman(slack, sqlite_db_url, "http") as bot:
        channel = slack.channel("#general").id
        alice = slack.user("alice").id

        def event(ts: str) -> dict[str, str]:
            return {
                "type": "app_mention",
                "user": alice,
                "channel": channel,
                "text": mention(slack, f"request {ts}"),
                "ts": ts,
            }

        assert slack.deliver_event(event("1.1"), signing=Signing(forge=True)).status == 401
        assert slack.deliver_event(event("1.2"), signing=Signing(omit_headers=True)).status == 401
        assert bot.services.tracker.batches() == []
        accepted = slack.deliver_event(event("1.3"), signing=Signing(timestamp_age=299))
        assert accepted.status == 200
        slack.wait_for(lambda: len(bot.services.tracker.batches()) == 1, timeout=5)
