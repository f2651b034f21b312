"""`foreman serve`: Socket Mode when SLACK_APP_TOKEN is set, else HTTP behind waitress."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from bot.api import failure_api, http_thread
from bot.app import build_app
from bot.ask_sweeper import AskSweeper
from bot.digest.scheduler import DigestScheduler, start_digest_scheduler
from bot.http import make_wsgi_app
from bot.projector import EventProjector
from bot.services import Services, build_services
from bot.settings import Settings
from intake.runner import ResearchRunner

log = logging.getLogger("foreman.serve")


class ConfigurationError(Exception):
    pass


def check_serve_settings(settings: Settings) -> None:
    if settings.slack_bot_token is None:
        raise ConfigurationError("SLACK_BOT_TOKEN is not set (the xoxb- token of the Slack app)")
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise ConfigurationError(
            "set SLACK_APP_TOKEN (xapp-, Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
        )


def start_background(
    services: Services,
) -> list[EventProjector | DigestScheduler | AskSweeper | ResearchRunner]:
    projector = EventProjector(
        services.tracker, services.presenter.refresh, on_ask_change=services.asks.refresh
    )
    projector.start()
    services.background.append(projector)
    sweeper = AskSweeper(services.escalations, services.asks)
    sweeper.start()
    services.background.append(sweeper)
    workers: list[EventProjector | DigestScheduler | AskSweeper | ResearchRunner] = [
        projector,
        sweeper,
    ]
    digest = start_digest_scheduler(services)
    if digest is not None:
        workers.append(digest)
    if services.settings.research_threads > 0:
        from bot.research import research_runner

        runner = research_runner(services.settings, services.tracker)
        runner.start(services.settings.research_threads)
        services.background.append(runner)
        workers.append(runner)
    return workers


def serve(settings: Settings, *, host: str, port: int) -> None:
    check_serve_settings(settings)
    services = build_services(settings)
    app, _ = build_app(settings, services)
    workers = start_background(services)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Both transports block the main thread; unwinding it runs the cleanup below.
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        if settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(
                app, settings.slack_app_token.get_secret_value(), web_client=services.client
            )
            handler.connect()  # type: ignore[no-untyped-call]
            log.info("Foreman is connected to Slack over Socket Mode")
            with http_thread(make_wsgi_app(None, failure_api(services)), host, port):
                log.info("Foreman serves /healthz and /api/failures on http://%s:%d", host, port)
                stop.wait()
            handler.close()  # type: ignore[no-untyped-call]
        else:
            import waitress

            log.info("Foreman listens for Slack on http://%s:%d/slack/events", host, port)
            wsgi = make_wsgi_app(app, failure_api(services))
            waitress.serve(wsgi, host=host, port=port, threads=16, ident="foreman")
    except KeyboardInterrupt:
        pass
    finally:
        for worker in workers:
            worker.stop()
        services.close()
