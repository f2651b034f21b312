"""Requests in: a mention, a DM, the message shortcut and `/foreman new` all land here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.listeners.registrar import Registrar
from bot.registry import SHORTCUT_SEND
from bot.services import Services
from bot.views.status import EMPTY_MENTION_HELP
from intake.master import is_actionable_text, request_text, title_for
from intake.runner import CLARIFY_PREFIX

log = logging.getLogger("foreman.intake")


@dataclass(frozen=True)
class Request:
    key: str  # what makes a redelivery the same request
    text: str
    user: str
    channel: str
    message_ts: str | None  # the message to react to, if there is one
    thread_ts: str | None  # where to reply; None starts a new thread


def take_request(services: Services, request: Request, bot_user_id: str | None) -> str | None:
    """Persist the master ticket and answer in the thread. Returns the batch ref, if any."""
    text = request_text(request.text, bot_user_id)
    client = services.client
    if request.thread_ts and _answers_a_question(services, request, text):
        return None
    if not is_actionable_text(text):
        if services.tracker.claim_once(f"{request.key}:help"):
            client.chat_postMessage(
                channel=request.channel, thread_ts=request.thread_ts, text=EMPTY_MENTION_HELP
            )
        return None
    batch = services.tracker.create_batch_once(
        request.key,
        title=title_for(text),
        request=text,
        repo=str(services.settings.repo),
        actor=request.user,
        channel=request.channel,
        thread_ts=request.thread_ts,
        requested_by=request.user,
    )
    if batch is None:
        log.info("duplicate delivery %s ignored", request.key)
        return None
    if request.message_ts:
        try:
            client.reactions_add(channel=request.channel, timestamp=request.message_ts, name="eyes")
        except SlackApiError as exc:
            log.info("could not react to %s: %s", request.key, exc.response.get("error"))
    services.presenter.refresh(batch.id, post_if_missing=True)
    wake_research(services)
    return batch.id


def wake_research(services: Services) -> None:
    for worker in services.background:
        getattr(worker, "wake", lambda: None)()


def _answers_a_question(services: Services, request: Request, text: str) -> bool:
    """A reply in the thread of a batch that asked for more detail: plan again with it."""
    if not request.thread_ts or not is_actionable_text(text):
        return False
    batch = services.tracker.batch_in_thread(request.channel, request.thread_ts)
    if batch is None or batch.status != "research_failed":
        return False
    if not (batch.research_error or "").startswith(CLARIFY_PREFIX):
        return False
    if services.tracker.claim_once(f"{request.key}:detail"):
        services.tracker.retry_research(batch.id, actor=request.user, more=text)
        services.presenter.refresh(batch.id)
        wake_research(services)
    return True


def _is_human_message(event: dict[str, Any]) -> bool:
    # Edits, deletions, joins and every bot (ourselves included) are not requests.
    return not event.get("subtype") and not event.get("bot_id") and bool(event.get("user"))


def register(reg: Registrar, services: Services) -> None:
    def from_event(event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        take_request(
            services,
            Request(
                key=f"event:{body.get('event_id') or event['ts']}",
                text=event.get("text", ""),
                user=event["user"],
                channel=event["channel"],
                message_ts=event["ts"],
                thread_ts=event.get("thread_ts") or event["ts"],
            ),
            context.bot_user_id,
        )

    @reg.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        if _is_human_message(event):
            from_event(event, body, context)

    @reg.event("message")
    def on_direct_message(event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        if event.get("channel_type") == "im" and _is_human_message(event):
            from_event(event, body, context)

    @reg.shortcut(SHORTCUT_SEND)
    def on_shortcut(ack: Any, shortcut: dict[str, Any], context: Any) -> None:
        ack()
        message = shortcut.get("message", {})
        channel = shortcut["channel"]["id"]
        take_request(
            services,
            Request(
                key=f"shortcut:{channel}:{message.get('ts')}",
                text=message.get("text", ""),
                user=shortcut["user"]["id"],
                channel=channel,
                message_ts=message.get("ts"),
                thread_ts=message.get("thread_ts") or message.get("ts"),
            ),
            context.bot_user_id,
        )
