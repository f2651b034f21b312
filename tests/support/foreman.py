"""The real Foreman bot (composition root, Bolt app, listeners) against the Slack emulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from slack_bolt import App

from bot.app import build_app
from bot.emulator import SlackEmulator
from bot.http import SLACK_PATH, make_wsgi_app
from bot.listeners.registrar import Registrar
from bot.projector import EventProjector
from bot.services import Services, build_services
from bot.settings import Settings
from tests.support.slack import socket_mode, wsgi_server
from tracker.clock import Clock, utcnow

Transport = Literal["socket", "http"]


def foreman_settings(slack: SlackEmulator, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "FOREMAN_SLACK_API_URL": slack.api_url,
        "FOREMAN_DATABASE_URL": db_url,
        "FOREMAN_REPO": str(Path(__file__).resolve().parents[2]),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class RunningBot:
    services: Services
    app: App
    registrar: Registrar
    slack: SlackEmulator


@contextmanager
def running_foreman(
    slack: SlackEmulator,
    db_url: str,
    transport: Transport = "socket",
    *,
    clock: Clock = utcnow,
    research: bool = False,
    **overrides: Any,
) -> Iterator[RunningBot]:
    settings = foreman_settings(slack, db_url, **overrides)
    services = build_services(settings, clock=clock)
    app, registrar = build_app(settings, services)
    bot = RunningBot(services, app, registrar, slack)
    projector = EventProjector(
        services.tracker,
        services.presenter.refresh,
        interval=0.05,
        on_ask_change=services.asks.refresh,
    )
    projector.start()
    runner = None
    if research:
        from bot.research import research_runner

        runner = research_runner(settings, services.tracker)
        runner.poll_seconds = 0.1
        runner.start(1)
        services.background.append(runner)
    try:
        if transport == "socket":
            slack.use_socket()
            with socket_mode(app, slack):
                yield bot
        else:
            with wsgi_server(make_wsgi_app(app)) as base_url:
                slack.use_http(base_url + SLACK_PATH)
                try:
                    yield bot
                finally:
                    slack.use_socket()
    finally:
        if runner is not None:
            runner.stop()
        projector.stop()
        # Listeners still finishing (a re-render after a click) must not outlive the database
        # connection, nor the test's schema: wait for them before closing.
        app.listener_runner.listener_executor.shutdown(wait=True)
        services.close()


def mention(slack: SlackEmulator, text: str) -> str:
    return f"<@{slack.bot_user_id}> {text}"


def bot_texts(slack: SlackEmulator, channel: str = "#general") -> list[str]:
    """Everything the bot has shown in a channel: message text and every block's text."""
    out: list[str] = []
    for message in slack.messages(channel, include_replies=True):
        if message.user != slack.bot_user_id and not message.bot_id:
            continue
        out.append(message.text or "")
        out.extend(_block_texts(message.blocks or []))
    return out


def _block_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        for value in node.values():
            found += _block_texts(value)
        return found
    if isinstance(node, list):
        return [t for item in node for t in _block_texts(item)]
    return []
