"""The Slack emulator against the real slack_sdk and slack_bolt, over both transports."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.emulator import EmulatorError, Message, Signing, SlackEmulator
from bot.emulator.blocks import find_button
from tests.support.slack import bolt_app, http_mode, socket_mode, web_client


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return web_client(slack)


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(label: str, action_id: str, value: str = "") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }


def test_web_client_posts_updates_and_threads(slack: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="#general", text="Plan FM-1 is ready")
    reply = client.chat_postMessage(
        channel=parent["channel"], text="details", thread_ts=parent["ts"]
    )
    client.chat_update(channel=parent["channel"], ts=parent["ts"], text="Plan FM-1 approved")

    top = slack.messages("#general")
    assert [m.text for m in top] == ["Plan FM-1 approved"]
    assert top[0].bot_id == slack.bot_id and top[0].reply_count == 1
    assert top[0].history[0].text == "Plan FM-1 is ready"
    assert [m.ts for m in slack.thread("#general", parent["ts"])] == [parent["ts"], reply["ts"]]
    replies = client.conversations_replies(channel=parent["channel"], ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["Plan FM-1 approved", "details"]


def test_web_client_is_refused_invalid_blocks(slack: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="#general", text="x", blocks=[section("y" * 3001)])
    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["errors"] == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="#general", text="x", blocks=[{"type": "divider"}] * 51)
    assert "no more than 50 items allowed" in too_many.value.response["errors"][0]
    assert slack.messages("#general") == []


def test_rate_limit_is_honoured_by_the_sdk_retry_handler(
    slack: SlackEmulator, client: WebClient
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))

    started = time.monotonic()
    client.chat_postMessage(channel="#general", text="after a pause")

    assert time.monotonic() - started >= 1.0
    assert slack.call_count("chat.postMessage") == 2
    assert [call.status for call in slack.api_calls("chat.postMessage")] == [429, 200]
    assert [m.text for m in slack.messages("#general")] == ["after a pause"]


def mention_app(slack: SlackEmulator) -> App:
    app = bolt_app(slack)

    @app.event("app_mention")
    def reply_in_thread(event: dict[str, Any], say: Say) -> None:
        say(text=f"On it, <@{event['user']}>", thread_ts=event["ts"])

    return app


def test_bolt_in_socket_mode_replies_to_a_mention_in_thread(slack: SlackEmulator) -> None:
    with socket_mode(mention_app(slack), slack):
        posted = slack.post_user_message("alice", "#general", f"<@{slack.bot_user_id}> plan it")

        reply = slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)

    assert posted.deliveries[0].acked and posted.deliveries[0].transport == "socket"
    assert reply.text == "On it, <@U0ALICE>" and reply.thread_ts == posted.ts


def test_bolt_over_http_accepts_signed_requests_and_rejects_forged_ones(
    slack: SlackEmulator,
) -> None:
    with http_mode(mention_app(slack), slack):
        posted = slack.post_user_message("bob", "#general", f"<@{slack.bot_user_id}> hello")
        slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)
        event = posted.deliveries[0].payload["event"]

        forged = slack.deliver_event(event, signing=Signing(forge=True))
        stale = slack.deliver_event(event, signing=Signing(timestamp_age=600))

    assert posted.deliveries[0].status == 200
    assert forged.status == 401 and stale.status == 401
    assert len(slack.thread("#general", posted.ts)) == 2


def edited(slack: SlackEmulator, ts: str) -> Message | None:
    message = slack.message("#general", ts)
    return message if message is not None and message.edited else None


def test_button_click_reaches_the_action_listener_which_updates_the_message(
    slack: SlackEmulator, client: WebClient
) -> None:
    app = bolt_app(slack)

    @app.action("approve")
    def approve(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        verdict = f"Approved by <@{body['user']['id']}> ({body['actions'][0]['value']})"
        client.chat_update(
            channel=body["channel"]["id"],
            ts=body["message"]["ts"],
            text=verdict,
            blocks=[section(verdict)],
        )

    blocks = [
        section("Plan *FM-7* is ready"),
        {
            "type": "actions",
            "elements": [button("Approve plan", "approve", "FM-7"), button("Cancel", "cancel")],
        },
    ]
    posted = client.chat_postMessage(channel="#general", text="Plan FM-7", blocks=blocks)

    with socket_mode(app, slack):
        with pytest.raises(EmulatorError, match="no button 'Merge'"):
            slack.click_button("carol", "#general", posted["ts"], text="Merge")
        clicked = slack.click_button("carol", "#general", posted["ts"], text="Approve plan")
        updated = slack.wait_for(lambda: edited(slack, posted["ts"]), what="the edit")

    assert clicked.acked and clicked.payload["actions"][0]["action_id"] == "approve"
    assert updated.text == "Approved by <@U0CAROL> (FM-7)"
    assert updated.history[0].text == "Plan FM-7"
    assert find_button(updated.blocks, action_id="approve") is None


def test_view_submission_reaches_the_view_listener_and_errors_come_back(
    slack: SlackEmulator, client: WebClient
) -> None:
    app = bolt_app(slack)
    titles: list[str] = []

    @app.action("new_ticket")
    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "ticket_form",
                "title": {"type": "plain_text", "text": "New ticket"},
                "submit": {"type": "plain_text", "text": "File it"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "title",
                        "label": {"type": "plain_text", "text": "Title"},
                        "element": {"type": "plain_text_input", "action_id": "value"},
                    }
                ],
            },
        )

    @app.view("ticket_form")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        title = view["state"]["values"]["title"]["value"]["value"]
        if len(title) < 5:
            ack(response_action="errors", errors={"title": "Say a little more"})
            return
        ack()
        titles.append(title)

    posted = client.chat_postMessage(
        channel="#general",
        text="File a ticket",
        blocks=[{"type": "actions", "elements": [button("New ticket", "new_ticket")]}],
    )
    with socket_mode(app, slack):
        slack.click_button("alice", "#general", posted["ts"], action_id="new_ticket")
        modal = slack.wait_for(lambda: slack.views("alice"), what="the modal")[0]

        refused = slack.submit_view("alice", modal.id, {"title": "fix"})
        still_open = slack.views("alice")
        accepted = slack.submit_view("alice", modal.id, {"title": "Fix the login redirect"})

    assert refused.errors == {"title": "Say a little more"} and [v.id for v in still_open] == [
        modal.id
    ]
    assert accepted.acked and accepted.errors == {}
    assert titles == ["Fix the login redirect"] and slack.views("alice") == []
