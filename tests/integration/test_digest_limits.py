"""A big day still fits one Slack message: the emulator refuses what Slack would refuse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.digest.lines import MAX_LINES
from bot.emulator import SlackEmulator
from bot.slack_text import BLOCKS_PER_MESSAGE, SECTION_LIMIT
from escalation.asks import Escalations
from tests.support.clock import FakeClock
from tests.support.digest import digest_services, digests, scheduler_for, section_lines
from tests.support.plans import plan, spec

START = datetime(2026, 11, 18, 8, tzinfo=UTC)
LONG = "Make the <export> & <import> paths agree on every field " * 5  # ~280 chars, escapes


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def test_a_300_ticket_batch_renders_within_slacks_limits(slack: SlackEmulator, db_url: str) -> None:
    clock = FakeClock(START)
    with digest_services(slack, db_url, clock, FOREMAN_HEARTBEAT_TIMEOUT="60") as services:
        tracker = services.tracker
        tickets = [
            spec(f"t{n}", title=f"{n} {LONG}", open_questions=["Which region?"] if n > 280 else [])
            for n in range(1, 301)
        ]
        tracker.import_plan(plan(*tickets, title="Huge " + LONG), actor="t")
        tracker.approve("FM-1", actor="U1")
        for n in range(1, 101):
            url = f"https://ci.example.com/{'x' * 200}/runs/{n}"
            tracker.done(f"FM-1.{n}", proof=f"ci:{url}", actor="w1")
        esc = Escalations(tracker)
        for n in range(101, 141):
            esc.wall(f"FM-1.{n}", kind="access", action=f"Open {LONG}", why="x", actor="w")
        for n in range(20):
            assert tracker.next(batch="FM-1", worker=f"w{n}") is not None
        clock.advance(hours=9)  # every lease lapses; the digest is due at 17:00
        assert scheduler_for(services).run_once() is not None

    (message,) = digests(slack)
    blocks = message.blocks or []
    assert len(blocks) <= BLOCKS_PER_MESSAGE
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_LIMIT
    shown = section_lines(message)
    totals = {
        "Shipped": 100,
        "Waiting on people": 40 + 20 + 40,  # asks, drafts with questions, blocked
        "Risks": 20 + 0,  # fake-active incidents (asks are less than a day old)
    }
    for title, total in totals.items():
        lines = shown[title]
        more = re.match(r"…and (\d+) more: `/foreman status`", lines[-1].text)
        assert more is not None, lines[-1].text
        assert len(lines) - 1 + int(more.group(1)) == total
        assert len(lines) - 1 <= MAX_LINES
    assert "<" + "export>" not in str(blocks) and "&lt;export&gt;" in str(blocks)
    nxt = shown["Next"]
    assert re.search(r"…and \d+ more ready in \*FM-1\*", nxt[-1].text)
