"""`foreman doctor` against a local Slack and a local model server."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.emulator import SlackEmulator
from tests.support.llm_servers import OpenAIServer


def run(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> tuple[int, dict[str, object]]:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    code = main(["doctor", "--json"])
    return code, json.loads(out.getvalue())


def test_a_healthy_installation_passes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with SlackEmulator() as slack:
        code, report = run(
            monkeypatch,
            {
                "FOREMAN_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_APP_TOKEN": slack.app_token,
                "FOREMAN_SLACK_API_URL": slack.api_url,
                "FOREMAN_REPO": str(tmp_path),
            },
        )
    assert code == 0
    checks = {c["name"]: c for c in report["checks"]}  # type: ignore[union-attr]
    assert checks["slack"]["ok"] and "authenticated as" in checks["slack"]["detail"]
    assert checks["transport"]["detail"].startswith("Socket Mode")


def test_a_rejected_model_key_fails_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with OpenAIServer(api_key="sk-right-key-0000000000") as server:
        code, report = run(
            monkeypatch,
            {
                "FOREMAN_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
                "FOREMAN_LLM_PROVIDER": "openai",
                "FOREMAN_LLM_BASE_URL": server.base_url,
                "FOREMAN_LLM_API_KEY": "sk-wrong-key-0000000000",
                "FOREMAN_REPO": str(tmp_path),
            },
        )
    assert code == 1
    model = next(c for c in report["checks"] if c["name"] == "model")  # type: ignore[union-attr]
    assert not model["ok"] and "set FOREMAN_LLM_API_KEY" in model["detail"]
    assert "sk-wrong" not in json.dumps(report)
