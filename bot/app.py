"""The Bolt app factory. No module-level App: the composition root calls build_app."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.listeners import asks, commands, home, intake, plans
from bot.listeners.registrar import Registrar
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger("foreman.app")
LISTENER_THREADS = 4


class _DropClientTokenNotice(logging.Filter):
    # Bolt looks up SLACK_BOT_TOKEN itself and then warns that our client's token wins. The
    # client's token is the one from our settings, so the notice is noise on every start.
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_bolt_log = logging.getLogger("foreman.bolt")
_bolt_log.addFilter(_DropClientTokenNotice())


def build_app(
    settings: Settings, services: Services, *, verify_token: bool = True
) -> tuple[App, Registrar]:
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    app = App(
        client=services.client,
        # Passed explicitly so Bolt never reads the environment itself.
        signing_secret=signing_secret,
        token_verification_enabled=verify_token,
        request_verification_enabled=True,
        process_before_response=False,
        # Work after the ack shares the process (and the GIL) with the next acks: bound it.
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
        logger=_bolt_log,
    )
    registrar = Registrar(app)
    for module in (intake, commands, plans, home, asks):
        module.register(registrar, services)
    return app, registrar
