"""`POST /api/failures` on `foreman serve`: authenticated, validated, deduplicated into one card."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlmodel import select

from bot.api import failure_api, http_thread
from bot.emulator import SlackEmulator
from bot.http import make_wsgi_app
from tests.support.asks import blocks_text, card, cards
from tests.support.clock import FakeClock
from tests.support.foreman import RunningBot, running_foreman
from tracker.models import Ask

TOKEN = "test-api-token-4f1c9a"


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def post(
    base: str, body: Any, token: str | None = TOKEN, path: str = "/api/failures"
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw.startswith(b"{") else {"raw": raw.decode()}


@contextmanager
def _serve_api(bot: RunningBot) -> Iterator[str]:
    # As `foreman serve` runs it in Socket Mode: no Slack route, only /healthz and /api.
    with http_thread(make_wsgi_app(None, failure_api(bot.services)), "127.0.0.1", 0) as port:
        yield f"http://127.0.0.1:{port}"


def test_the_api_refuses_callers_without_the_token_and_bad_bodies(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    with (
        running_foreman(slack, sqlite_db_url, FOREMAN_API_TOKEN=TOKEN) as bot,
        _serve_api(bot) as base,
    ):
        report = {"pipeline": "nightly", "error": "invalid_client"}
        assert post(base, report, token=None)[0] == 401
        assert post(base, report, token="wrong")[0] == 401
        assert post(base, report, token=TOKEN + "x")[0] == 401
        status, body = post(base, b"{not json")
        assert status == 400 and "not JSON" in body["error"]
        status, body = post(base, {"pipeline": "nightly"})
        assert status == 400 and body["error"] == '"error" must be a non-empty string'
        status, body = post(base, {"pipeline": "n", "error": "e", "approvers": "U1"})
        assert status == 400 and "approvers" in body["error"]
        assert post(base, report, path="/slack/events")[0] == 404
        with urllib.request.urlopen(base + "/healthz", timeout=5) as health:
            assert health.status == 200
        assert bot.services.escalations.asks() == []


def test_the_api_is_off_without_a_configured_token(
    slack: SlackEmulator, sqlite_db_url: str
) -> None:
    with running_foreman(slack, sqlite_db_url) as bot, _serve_api(bot) as base:
        status, body = post(base, {"pipeline": "nightly", "error": "invalid_client"})
        assert status == 503 and "FOREMAN_API_TOKEN" in body["error"]


def test_a_nightly_invalid_client_three_nights_running_is_one_card_seen_three_times(
    slack: SlackEmulator, db_url: str
) -> None:
    clock = FakeClock()
    clock.now = clock.now.replace(hour=2, minute=0)
    overrides: dict[str, Any] = {
        "FOREMAN_API_TOKEN": TOKEN,
        "FOREMAN_ASKS_CHANNEL": "#general",
        "FOREMAN_APPROVERS": slack.user("carol").id,
    }
    with running_foreman(slack, db_url, clock=clock, **overrides) as bot, _serve_api(bot) as base:
        statuses = []
        for night in range(3):
            status, body = post(
                base,
                {
                    "pipeline": "nightly-ingest",
                    "error": f'POST /oauth/token 401 {{"error":"invalid_client"}} id={night}f3a9',
                    "log": f"02:00:0{night} reading SALESFORCE_CLIENT_SECRET\n"
                    f'02:00:0{night} token refresh failed: {{"error":"invalid_client"}}',
                },
            )
            statuses.append((status, body["outcome"]))
            if night == 0:
                card(slack, "ASK-1")  # the first night's card is up before the second report
            clock.advance(days=1)
        assert statuses == [(201, "asked"), (200, "counted"), (200, "counted")]
        assert body["ask"]["occurrences"] == 3
        slack.wait_for(lambda: "seen 3×" in blocks_text(card(slack, "ASK-1")), what="count")
        shown = blocks_text(card(slack, "ASK-1"))
        assert "CREDENTIAL NEEDED" in shown and "SALESFORCE_CLIENT_SECRET" in shown
        assert "Rotate the OAuth client secret used by nightly-ingest" in shown
        assert "since Wed 02:00" in shown  # FakeClock starts on Wednesday 18 Nov 2026
        assert len(cards(slack, "ASK-1")) == 1
        with bot.services.tracker.store.transaction() as session:
            assert len(session.exec(select(Ask)).all()) == 1
