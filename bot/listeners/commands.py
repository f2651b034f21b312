"""`/foreman …`: help, new, status, ready, asks."""

from __future__ import annotations

from typing import Any

from bot.listeners.intake import Request, take_request
from bot.listeners.registrar import Registrar
from bot.registry import COMMAND
from bot.services import Services
from bot.views.status import HELP, batch_status_blocks, ready_blocks, status_blocks
from tracker.errors import TrackerError
from tracker.states import BatchStatus

ACTIVE = [BatchStatus.RECEIVED, BatchStatus.RESEARCHING, BatchStatus.PLANNED, BatchStatus.APPROVED]


def register(reg: Registrar, services: Services) -> None:
    @reg.command(COMMAND)
    def on_command(ack: Any, command: dict[str, Any], respond: Any, context: Any) -> None:
        ack()
        sub, _, rest = command.get("text", "").strip().partition(" ")
        rest = rest.strip()
        handler = HANDLERS.get(sub.lower())
        if handler is None:
            prefix = f"I don't know `{sub}`.\n" if sub else ""
            respond(response_type="ephemeral", text=prefix + HELP)
            return
        try:
            handler(services, command, rest, respond, context)
        except TrackerError as exc:
            respond(response_type="ephemeral", text=f":warning: {exc}")


def _help(
    services: Services, command: dict[str, Any], rest: str, respond: Any, context: Any
) -> None:
    respond(response_type="ephemeral", text=HELP)


def _new(
    services: Services, command: dict[str, Any], rest: str, respond: Any, context: Any
) -> None:
    if not rest:
        respond(
            response_type="ephemeral",
            text="Usage: `/foreman new TEXT`, e.g. "
            "`/foreman new page the on-call when the ingest job fails`",
        )
        return
    ref = take_request(
        services,
        Request(
            key=f"command:{command.get('trigger_id') or command.get('channel_id')}:{rest[:100]}",
            text=rest,
            user=command["user_id"],
            channel=command["channel_id"],
            message_ts=None,
            thread_ts=None,
        ),
        context.bot_user_id,
    )
    if ref:
        respond(response_type="ephemeral", text=f"{ref} received: the plan follows in its thread.")


def _status(
    services: Services, command: dict[str, Any], rest: str, respond: Any, context: Any
) -> None:
    tracker = services.tracker
    if rest:
        batch = tracker.batch(rest.split(maxsplit=1)[0])
        blocks = batch_status_blocks(batch, tracker.tickets(batch=batch.id))
    else:
        blocks = status_blocks(tracker.batches(statuses=ACTIVE))
    respond(response_type="ephemeral", text="Foreman status", blocks=blocks)


def _ready(
    services: Services, command: dict[str, Any], rest: str, respond: Any, context: Any
) -> None:
    batch = rest.split(maxsplit=1)[0] if rest else None
    respond(
        response_type="ephemeral",
        text="Ready tickets",
        blocks=ready_blocks(services.tracker.ready(batch=batch)),
    )


def _asks(
    services: Services, command: dict[str, Any], rest: str, respond: Any, context: Any
) -> None:
    from bot.views.asks import asks_list_text

    respond(
        response_type="ephemeral", text=asks_list_text(services.escalations.asks(open_only=True))
    )


def _digest(
    services: Services, command: dict[str, Any], rest: str, respond: Any, context: Any
) -> None:
    from bot.digest.post import on_demand_digest, slack_message

    digest = on_demand_digest(services.tracker, services.settings)
    text, blocks = slack_message(services.client, digest)
    respond(response_type="in_channel", text=text, blocks=blocks)


HANDLERS = {
    "help": _help,
    "new": _new,
    "status": _status,
    "ready": _ready,
    "asks": _asks,
    "digest": _digest,
}
