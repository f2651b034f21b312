"""Helpers for ask tests: a claimed ticket with a Slack thread, and payloads Slack would send.

Payloads are built by hand (as Slack would deliver them) when a test needs a click the
emulator would refuse: a stale card, or many clicks racing on one card.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from bot.emulator import SlackEmulator
from bot.emulator.model import Message
from tests.support.foreman import RunningBot, mention
from tests.support.plans import plan, spec


def thread_with_claimed_ticket(bot: RunningBot, requester: str = "alice") -> tuple[str, str]:
    """A request from `requester` in #general, planned and approved, its first ticket claimed.
    Returns (thread ts, ticket ref)."""
    slack = bot.slack
    posted = slack.post_user_message(requester, "#general", mention(slack, "metrics for ingest"))
    slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
    tracker = bot.services.tracker
    batch = tracker.batches()[-1].id
    tracker.import_plan(
        plan(spec("export"), spec("verify", "export"), title="Ingest metrics"),
        actor="planner",
        batch=batch,
    )
    tracker.approve(batch, actor=slack.user(requester).id)
    ticket = tracker.next(batch=batch, worker="w1")
    assert ticket is not None
    return posted.ts, ticket.id


def card(
    slack: SlackEmulator, ref: str, channel: str = "#general", timeout: float = 5.0
) -> Message:
    """The one message showing ask `ref` (replies included)."""

    def find() -> Message | None:
        shown = [
            m
            for m in slack.messages(channel, include_replies=True)
            if m.text.startswith(f"{ref} ·")
        ]
        return shown[0] if shown else None

    return slack.wait_for(find, timeout, f"the card of {ref}")


def cards(slack: SlackEmulator, ref: str, channel: str = "#general") -> list[Message]:
    return [
        m for m in slack.messages(channel, include_replies=True) if m.text.startswith(f"{ref} ·")
    ]


def blocks_text(message: Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def _who(slack: SlackEmulator, user: str) -> dict[str, Any]:
    person = slack.user(user)
    return {"id": person.id, "name": person.name, "team_id": slack.team_id}


def button_click(
    slack: SlackEmulator, message: Message, user: str, action_id: str, value: str
) -> dict[str, Any]:
    """A block_actions payload for a button on `message`, as Slack delivers it."""
    return {
        "type": "block_actions",
        "token": "",
        "api_app_id": "A0FOREMAN",
        "team": {"id": slack.team_id},
        "user": _who(slack, user),
        "trigger_id": f"1.2.{uuid.uuid4().hex[:8]}",
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        "channel": {"id": message.channel},
        "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": f"ask:{value}",
                "value": value,
                "action_ts": "1.3",
            }
        ],
    }


def modal_submission(
    slack: SlackEmulator, user: str, callback_id: str, block: str, text: str, meta: dict[str, Any]
) -> dict[str, Any]:
    """A view_submission of one of the ask modals with `text` typed into its input."""
    return {
        "type": "view_submission",
        "token": "",
        "api_app_id": "A0FOREMAN",
        "team": {"id": slack.team_id},
        "user": _who(slack, user),
        "trigger_id": f"1.4.{uuid.uuid4().hex[:8]}",
        "view": {
            "id": f"V{uuid.uuid4().hex[:8].upper()}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": json.dumps(meta),
            "title": {"type": "plain_text", "text": "Deny"},
            "blocks": [],
            "state": {"values": {block: {block: {"type": "plain_text_input", "value": text}}}},
        },
        "response_urls": [],
    }
