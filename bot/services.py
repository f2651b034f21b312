"""The composition root: the one place the object graph is built from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings
from tracker.clock import Clock, utcnow
from tracker.service import Tracker

if TYPE_CHECKING:
    from bot.ask_config import ApproverDirectory
    from bot.ask_presenter import AskPresenter
    from bot.presenter import BatchPresenter
    from escalation.asks import Escalations

log = logging.getLogger("foreman")


@dataclass
class Services:
    settings: Settings
    tracker: Tracker
    client: WebClient
    presenter: BatchPresenter
    clock: Clock = utcnow
    background: list[object] = field(default_factory=list)

    @cached_property
    def approvers(self) -> ApproverDirectory:
        from bot.ask_config import ApproverDirectory

        return ApproverDirectory(self.settings.approvers, self.client)

    @cached_property
    def escalations(self) -> Escalations:
        from bot.ask_config import build_escalations

        return build_escalations(self.settings, self.tracker, self.approvers)

    @cached_property
    def asks(self) -> AskPresenter:
        from bot.ask_presenter import AskPresenter

        return AskPresenter(self.escalations, self.client, self.settings)

    def close(self) -> None:
        self.tracker.close()


def slack_client(settings: Settings) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    from bot.redacting_client import RedactingWebClient

    # Every message and modal Foreman sends passes through redaction on its way out.
    return RedactingWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        # 429s wait for Retry-After and try again; a reply must arrive exactly once.
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=5),
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_services(
    settings: Settings, *, clock: Clock = utcnow, tracker: Tracker | None = None
) -> Services:
    from bot.presenter import BatchPresenter

    tracker = tracker or Tracker.open(
        settings.database_url, lease_seconds=settings.heartbeat_timeout, clock=clock
    )
    client = slack_client(settings)
    return Services(
        settings=settings,
        tracker=tracker,
        client=client,
        presenter=BatchPresenter(tracker, client),
        clock=clock,
    )
