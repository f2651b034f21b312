"""`/foreman digest` in Slack and `foreman digest [--post] [--json]` in a terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.emulator import SlackEmulator
from bot.settings import Settings
from tests.support.digest import DIGEST_HEADER, digests, refs, section_lines
from tests.support.foreman import running_foreman
from tests.support.plans import plan, spec
from tracker.service import Tracker


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def seed(db_url: str) -> None:
    tracker = Tracker.open(db_url)
    try:
        tracker.import_plan(plan(spec("a", title="Ship the export"), spec("b", "a")), actor="t")
        tracker.approve("FM-1", actor="U1")
        tracker.done("FM-1.1", proof="pr:https://github.com/acme/x/pull/9", actor="w1")
    finally:
        tracker.close()


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_db_url: str
) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment (no stray .env, no real Slack) with a seeded database."""
    for info in Settings.model_fields.values():
        if info.alias:
            monkeypatch.delenv(info.alias, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FOREMAN_DATABASE_URL", sqlite_db_url)
    seed(sqlite_db_url)
    yield monkeypatch


def test_slash_command_posts_the_digest_in_the_channel_where_it_was_asked(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    seed(sqlite_db_url)
    slack.add_channel("ops", members=["alice"])
    with running_foreman(slack, sqlite_db_url):
        slack.slash_command("alice", "#ops", "/foreman", "digest")
        message = slack.wait_for(lambda: digests(slack, "#ops"), timeout=5)[0]
    shown = section_lines(message)
    assert refs(shown["Shipped"]) == ["FM-1.1"]
    assert refs(shown["Next"]) == ["FM-1.2"]
    assert digests(slack, "#general") == []


def test_digest_prints_the_same_sections_in_the_terminal(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(DIGEST_HEADER)
    assert out[2] == "Shipped (1)"
    assert out[3] == "  • FM-1.1 Ship the export — proof: PR #9 https://github.com/acme/x/pull/9"
    assert "Batch progress" in out and "Next (1 ready)" in out
    assert "  • FM-1.2 Do b (ready, lane build)" in out


def test_digest_json_has_a_stable_shape(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "date", "timezone", "since", "until", "late_for", "quiet",
        "shipped", "batches", "waiting", "risks", "next", "posted",
    }  # fmt: skip
    assert data["shipped"][0]["ticket"] == "FM-1.1"
    assert data["shipped"][0]["proof"] == {"kind": "pr", "ref": "https://github.com/acme/x/pull/9"}
    assert data["batches"][0] == {
        "batch": "FM-1",
        "title": "Test batch",
        "status": "approved",
        "finished": 1,
        "total": 2,
        "due_at": None,
        "oracle": {"done": False, "why": "1 of 2 tickets not finished (1 open)"},
    }
    assert data["next"] == [
        {
            "batch": "FM-1",
            "ready": 1,
            "top": [{"ticket": "FM-1.2", "title": "Do b", "lane": "build"}],
        }
    ]
    assert data["posted"] is None and data["quiet"] is False


def test_digest_post_needs_a_channel_and_says_so(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--post"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "FOREMAN_DIGEST_CHANNEL is not set" in captured.err


def test_digest_post_posts_now(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], slack: SlackEmulator
) -> None:
    cli_env.setenv("SLACK_BOT_TOKEN", slack.bot_token)
    cli_env.setenv("FOREMAN_SLACK_API_URL", slack.api_url)
    cli_env.setenv("FOREMAN_DIGEST_CHANNEL", "#general")
    assert main(["digest", "--post"]) == 0
    (message,) = digests(slack)
    assert f"posted to #general (ts {message.ts})" in capsys.readouterr().out
    assert refs(section_lines(message)["Shipped"]) == ["FM-1.1"]
    # A channel the bot is not in: Slack's refusal, in one line, exit 1.
    slack.add_channel("secret", private=True, members=["alice"], bot_member=False)
    cli_env.setenv("FOREMAN_DIGEST_CHANNEL", "#secret")
    assert main(["digest", "--post"]) == 1
    assert "Slack refused the digest: channel_not_found" in capsys.readouterr().err


def test_an_unknown_timezone_is_a_configuration_error(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.setenv("FOREMAN_TIMEZONE", "Mars/Olympus")
    assert main(["digest"]) == 1
    assert "not an IANA time zone" in capsys.readouterr().err


def test_the_installed_command_prints_the_digest(cli_env: pytest.MonkeyPatch) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "foreman"), "digest"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "FM-1.1 Ship the export" in done.stdout
