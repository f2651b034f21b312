"""What the real app registers, captured without any network: Bolt with token checks off."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.app import build_app
from bot.listeners.registrar import Registrar
from bot.presenter import BatchPresenter
from bot.services import Services
from bot.settings import Settings
from tracker.service import Tracker


def registered() -> Registrar:
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-offline", SLACK_SIGNING_SECRET="s")  # type: ignore[call-arg]
    tracker = Tracker.open("sqlite:///:memory:")
    client = WebClient(token="xoxb-offline", base_url="http://127.0.0.1:9/")
    services = Services(settings, tracker, client, BatchPresenter(tracker, client))
    try:
        _, registrar = build_app(settings, services, verify_token=False)
    finally:
        tracker.close()
    return registrar
