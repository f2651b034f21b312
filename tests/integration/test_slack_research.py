"""Research through Slack: the plan lands in the thread; failures and questions are concrete."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator import SlackEmulator
from tests.support.foreman import RunningBot, mention, running_foreman


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    files = {
        "pyproject.toml": "[project]\nname='svc'\n",
        "svc/exporter.py": 'def export_rows(rows):\n    """Upload rows."""\n    return rows\n\n'
        "def retry_upload(batch):\n    return batch\n",
        "svc/settings.py": "class Settings:\n    queue = 'default'\n",
        "tests/test_exporter.py": "from svc.exporter import export_rows\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


@pytest.fixture
def bot(repo: Path, sqlite_db_url: str, tmp_path: Path) -> Iterator[RunningBot]:
    with (
        SlackEmulator() as slack,
        running_foreman(
            slack,
            sqlite_db_url,
            research=True,
            FOREMAN_REPO=str(repo),
            FOREMAN_CACHE_DIR=str(tmp_path / "cache"),
        ) as running,
    ):
        yield running


def test_a_mention_is_researched_and_the_plan_replaces_researching(bot: RunningBot) -> None:
    slack = bot.slack
    posted = slack.post_user_message(
        "alice", "#general", mention(slack, "make the exporter retry failed uploads")
    )
    reply = slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    assert reply.text.endswith("researching…")
    planned = slack.wait_for(
        lambda: "plan ready" in (slack.message("#general", reply.ts) or reply).text, timeout=15
    )
    assert planned
    shown = str((slack.message("#general", reply.ts) or reply).blocks)
    assert "svc/exporter.py" in shown and "Approve plan" in shown
    assert "Verify live" in shown
    assert len(slack.thread("#general", posted.ts)) == 2  # the request and one plan message


def test_hi_there_gets_a_question_and_a_reply_replans(bot: RunningBot) -> None:
    slack = bot.slack
    posted = slack.post_user_message("alice", "#general", mention(slack, "hi there"))
    reply = slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    slack.wait_for(
        lambda: "needs more detail" in (slack.message("#general", reply.ts) or reply).text,
        timeout=15,
    )
    assert bot.services.tracker.tickets(batch="FM-1") == []
    slack.post_user_message(
        "alice",
        "#general",
        mention(slack, "retry failed uploads in the exporter"),
        thread_ts=posted.ts,
    )
    slack.wait_for(
        lambda: "plan ready" in (slack.message("#general", reply.ts) or reply).text, timeout=15
    )
    batch = bot.services.tracker.batch("FM-1")
    assert "retry failed uploads" in batch.request
    assert len(bot.services.tracker.batches()) == 1


def test_a_failed_research_offers_retry(bot: RunningBot, repo: Path) -> None:
    slack = bot.slack
    tracker = bot.services.tracker
    batch = tracker.create_batch(
        title="x",
        request="retry uploads",
        repo=str(repo / "gone"),
        actor="U1",
        channel=slack.channel("#general").id,
    )
    bot.services.presenter.refresh(batch.id, post_if_missing=True)
    message = slack.wait_for(
        lambda: next((m for m in slack.messages("#general") if "research failed" in m.text), None),
        timeout=15,
    )
    assert "is not a directory" in str(message.blocks)
    slack.click_button("alice", "#general", message.ts, text="Retry")
    slack.wait_for(
        lambda: any(e.kind == "research_retry" for e in tracker.events(subject=batch.id)),
        timeout=10,
    )
