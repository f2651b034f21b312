"""Walls and failure reports carrying real-format secrets: none reaches Slack, the database,
the logs (DEBUG included) or an error message; no look-alike is touched."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.emulator import SlackEmulator
from escalation.redact import install_log_redaction, redact_exception
from tests.support.asks import button_click, card, thread_with_claimed_ticket
from tests.support.foreman import RunningBot, running_foreman
from tracker.models import SQLModel

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "redaction"
SECRETS: list[dict[str, str]] = json.loads((CORPUS / "secrets.json").read_text("utf-8"))
LOOKALIKES: list[dict[str, str]] = json.loads((CORPUS / "lookalikes.json").read_text("utf-8"))
ALL_SECRETS = "\n".join(case["text"] for case in SECRETS)


def _middle(secret: str) -> str:
    quarter = len(secret) // 4
    return secret[quarter : len(secret) - quarter]


def leaked(haystack: str) -> list[str]:
    return [
        case["kind"]
        for case in SECRETS
        if case["secret"] in haystack or _middle(case["secret"]) in haystack
    ]


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, through a handler redacted the way `foreman serve` does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    redaction = install_log_redaction()
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for other in root.handlers:
            other.removeFilter(redaction)


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def database_text(bot: RunningBot) -> str:
    """Every value of every column of every table, as text."""
    out = []
    with bot.services.tracker.store.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                out += [
                    f"{table.name}.{c}={json.dumps(v) if isinstance(v, dict | list) else v}"
                    for c, v in zip(table.columns.keys(), row, strict=True)
                ]
    return "\n".join(out)


def slack_text(slack: SlackEmulator) -> str:
    """Everything that reached the emulated Slack: every API call's arguments, every message,
    ephemeral note and modal."""
    parts: list[Any] = [call.args for call in slack.api_calls()]
    parts += [(m.text, m.blocks) for m in slack.all_messages()]
    parts += [(e.text, e.blocks) for e in slack.ephemerals()]
    parts += [v.blocks for v in slack.views()]
    return json.dumps(parts, ensure_ascii=False, default=str)


def test_no_secret_leaves_through_any_exit(
    slack: SlackEmulator,
    db_url: str,
    tmp_path: Path,
    debug_log: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FOREMAN_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    evidence = tmp_path / "evidence.log"
    evidence.write_text(ALL_SECRETS, encoding="utf-8")
    with running_foreman(slack, db_url, FOREMAN_ASKS_CHANNEL="#random") as bot:
        alice = slack.user("alice").id
        monkeypatch.setenv("FOREMAN_APPROVERS", alice)
        _, ticket = thread_with_claimed_ticket(bot)
        for start in range(0, len(SECRETS), 16):  # the action is one line: a few per wall
            chunk = " ".join(c["text"] for c in SECRETS[start : start + 16])
            args = ["wall", ticket, "--kind", "credential", "--action", f"Rotate: {chunk}"]
            args += ["--why", ALL_SECRETS, "--tried", ALL_SECRETS, "--evidence", str(evidence)]
            assert main([*args, "--approver", alice, "--as", "w1"]) == 0
        for start in range(0, len(SECRETS), 8):
            error = "\n".join(c["text"] for c in SECRETS[start : start + 8])
            bot.services.escalations.report_failure(
                f"job-{start}", error, ALL_SECRETS, actor="cron"
            )
        shown = card(slack, "ASK-1", "#random")
        slack.click_button("bob", "#random", shown.ts, text="Full evidence")
        slack.wait_for(lambda: slack.views("bob"), what="the evidence modal")
        # A reference that is really a token, and a decider who is one: echoed in the errors.
        stale = button_click(slack, shown, "bob", "ask_approve", f"ASK-1 {SECRETS[0]['secret']}")
        slack.deliver("interactive", stale)
        slack.wait_for(lambda: slack.ephemerals(user="bob"), what="the error note")
        assert main(["ask", "approve", "ASK-2", "--as", SECRETS[1]["secret"]]) == 1
        slack.click_button("alice", "#random", shown.ts, action_id="ask_deny")
        modal = slack.wait_for(lambda: slack.views("alice"), what="the deny modal")[-1]
        slack.submit_view("alice", modal.id, {"reason": ALL_SECRETS[:1900]})
        slack.wait_for(lambda: "Denied" in json.dumps(card(slack, "ASK-1", "#random").blocks))
        try:
            raise RuntimeError(f"export failed with {SECRETS[2]['text']}")
        except RuntimeError as exc:
            logging.getLogger("foreman.asks").exception("posting failed")
            traceback_text = redact_exception(exc)
        bot.services.asks.refresh("ASK-2")
        assert len(bot.services.escalations.asks()) >= 10
        cli = capsys.readouterr()
        exits = {
            "slack": slack_text(slack),
            "database": database_text(bot),
            "log": debug_log.getvalue(),
            "cli": cli.out + cli.err,
            "traceback": traceback_text,
        }
    assert "DEBUG" in exits["log"] and "[redacted" in exits["slack"]
    assert "[redacted" in exits["database"] and "[redacted" in exits["cli"]
    assert {name: leaked(text) for name, text in exits.items()} == {name: [] for name in exits}


def test_look_alikes_are_stored_and_shown_untouched(slack: SlackEmulator, db_url: str) -> None:
    texts = [case["text"] for case in LOOKALIKES]
    with running_foreman(slack, db_url) as bot:
        _, ticket = thread_with_claimed_ticket(bot)
        raised = bot.services.escalations.wall(
            ticket,
            kind="decision",
            action="Decide whether these lines are fine",
            why="\n".join(texts),
            evidence="\n".join(texts),
            tried=texts[0],
            actor="w1",
        )
        stored = bot.services.escalations.ask(raised.ask.id)
        assert stored.evidence == "\n".join(texts) and stored.why == "\n".join(texts)
        slack.click_button("bob", "#general", card(slack, "ASK-1").ts, text="Full evidence")
        modal = slack.wait_for(lambda: slack.views("bob"), what="the evidence modal")[-1]
        chunks = [b["text"]["text"].strip("`") for b in modal.blocks[1:]]
        shown = "".join(chunks).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert shown.replace("'''", "```") == "\n".join(texts)
