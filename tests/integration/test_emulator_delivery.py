"""What the emulator delivers to a real Bolt app, and how it applies the app's answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator import DEFAULT_BOT_EVENTS, EmulatorError, Signing, SlackEmulator, Transport
from tests.support.slack import bolt_app, http_mode, socket_mode, web_client


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@contextmanager
def running(app: App, slack: SlackEmulator, transport: Transport) -> Iterator[None]:
    if transport == "socket":
        with socket_mode(app, slack):
            yield
    else:
        with http_mode(app, slack):
            yield


def actions(*buttons: tuple[str, str]) -> list[dict[str, Any]]:
    elements = [
        {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id}
        for label, action_id in buttons
    ]
    return [{"type": "actions", "elements": elements}]


def step(title: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "wizard",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Next"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": title}}],
    }


def test_a_dm_arrives_as_message_im_and_never_as_app_mention(slack: SlackEmulator) -> None:
    app = bolt_app(slack)
    seen: list[dict[str, Any]] = []

    @app.event("message")
    def on_message(event: dict[str, Any], say: Say) -> None:
        seen.append(event)
        say("noted")

    dm = slack.dm("alice").id
    with socket_mode(app, slack):
        posted = slack.post_user_message("alice", dm, f"<@{slack.bot_user_id}> status?")
        reply = slack.wait_for_message(dm, after=posted.ts)

    assert [d.payload["event"]["type"] for d in posted.deliveries] == ["message"]
    assert seen[0]["channel_type"] == "im" and seen[0]["user"] == "U0ALICE"
    assert reply.text == "noted" and reply.bot_id == slack.bot_id


def test_plain_channel_chatter_is_not_delivered_without_message_channels(
    slack: SlackEmulator,
) -> None:
    assert slack.post_user_message("bob", "#general", "lunch?").deliveries == []


@pytest.mark.parametrize("transport", ["socket", "http"])
def test_redelivery_repeats_the_event_id_with_a_retry_number(
    slack: SlackEmulator, transport: Transport
) -> None:
    app = bolt_app(slack)
    seen: list[tuple[str, str, str]] = []

    @app.event("app_mention")
    def on_mention(body: dict[str, Any], request: BoltRequest) -> None:
        headers = request.headers
        retry = headers.get("x-slack-retry-num", ["0"])[0]
        seen.append((body["event_id"], retry, headers.get("x-slack-retry-reason", [""])[0]))

    with running(app, slack, transport):
        posted = slack.post_user_message("alice", "#general", f"<@{slack.bot_user_id}> go")
        again = slack.redeliver(posted.deliveries[0], retry_num=1)
        slack.wait_for(lambda: len(seen) == 2, what="both deliveries")

    event_id = posted.event_ids[0]
    reason = "timeout" if transport == "socket" else "http_timeout"
    assert seen[0][:2] == (event_id, "0") and seen[1] == (event_id, "1", reason)
    assert again.acked and again.event_id == event_id


def test_http_requests_without_signature_headers_are_rejected(slack: SlackEmulator) -> None:
    with http_mode(bolt_app(slack), slack):
        unsigned = slack.deliver_event({"type": "app_mention"}, signing=Signing(omit_headers=True))
    assert unsigned.status == 401 and not unsigned.acked


@pytest.mark.parametrize("transport", ["socket", "http"])
def test_slash_command_ack_shows_ephemerally_and_response_url_posts_in_channel(
    slack: SlackEmulator, transport: Transport
) -> None:
    app = bolt_app(slack)

    @app.command("/foreman")
    def command(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack(f"Working on {command['text']}")
        respond(response_type="in_channel", text="Plan posted")

    with running(app, slack, transport):
        delivery = slack.slash_command("alice", "#general", "/foreman", "plan FM-1")
        posted = slack.wait_for_message("#general", lambda m: m.text == "Plan posted")

    assert delivery.acked and delivery.payload["command"] == "/foreman"
    assert [e.text for e in slack.ephemerals("alice")] == ["Working on plan FM-1"]
    assert posted.bot_id == slack.bot_id


def test_buttons_on_ephemeral_messages_answer_through_response_url(slack: SlackEmulator) -> None:
    app = bolt_app(slack)

    @app.action("confirm")
    def confirm(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text="Confirmed")

    @app.action("discard")
    def discard(ack: Ack, respond: Respond) -> None:
        ack()
        respond(delete_original=True)

    client = web_client(slack)
    blocks = actions(("Confirm", "confirm"), ("Discard", "discard"))
    first = client.chat_postEphemeral(channel="#general", user="U0ALICE", text="?", blocks=blocks)
    second = client.chat_postMessage(channel="#general", text="?", blocks=blocks)
    with socket_mode(app, slack):
        with pytest.raises(EmulatorError, match="bob sees no message"):
            slack.click_button("bob", "#general", first["message_ts"], text="Confirm")
        clicked = slack.click_button("alice", "#general", first["message_ts"], text="Confirm")
        slack.wait_for(lambda: slack.ephemerals("alice")[0].text == "Confirmed")
        slack.click_button("alice", "#general", second["ts"], action_id="discard")
        slack.wait_for(lambda: not slack.messages("#general"), what="the deletion")

    assert clicked.payload["container"]["is_ephemeral"] is True and "message" not in clicked.payload


def test_shortcuts_carry_triggers_that_open_modals(slack: SlackEmulator) -> None:
    app = bolt_app(slack)
    quoted: list[str] = []

    @app.shortcut("file_ticket")
    def shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        quoted.append(shortcut.get("message", {}).get("text", "(global)"))
        client.views_open(trigger_id=shortcut["trigger_id"], view=step("From shortcut"))

    posted = slack.post_user_message("alice", "#general", "the build is red")
    with socket_mode(app, slack):
        slack.message_shortcut("alice", "#general", posted.ts, "file_ticket")
        slack.wait_for(lambda: slack.views("alice"), what="the modal")
        slack.global_shortcut("bob", "file_ticket")
        slack.wait_for(lambda: slack.views("bob"), what="bob's modal")

    assert quoted == ["the build is red", "(global)"]


def test_home_tab_is_published_on_open_and_its_buttons_work(slack: SlackEmulator) -> None:
    app = bolt_app(slack)
    clicks: list[str] = []

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": actions(("Refresh", "refresh"))}
        )

    @app.action("refresh")
    def refresh(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        clicks.append(body["container"]["view_id"])

    with socket_mode(app, slack):
        slack.open_home("alice")
        published = slack.wait_for(lambda: slack.home("alice"), what="the home tab")
        slack.click_home_button("alice", text="Refresh")
        slack.wait_for(lambda: clicks, what="the click")

    assert clicks == [published.id]


def test_view_submission_answers_update_push_and_clear(slack: SlackEmulator) -> None:
    app = bolt_app(slack)

    @app.command("/wizard")
    def start(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=step("Step 1"))

    @app.view("wizard")
    def next_step(ack: Ack, view: dict[str, Any]) -> None:
        current = view["title"]["text"]
        if current == "Step 1":
            ack(response_action="update", view=step("Step 2"))
        elif current == "Step 2":
            ack(response_action="push", view=step("Step 3"))
        else:
            ack(response_action="clear")

    with socket_mode(app, slack):
        slack.slash_command("carol", "#general", "/wizard")
        slack.wait_for(lambda: slack.views("carol"), what="the modal")
        slack.submit_view("carol")
        assert [v.title for v in slack.views("carol")] == ["Step 2"]
        slack.submit_view("carol")
        assert [v.title for v in slack.views("carol")] == ["Step 2", "Step 3"]
        slack.submit_view("carol")

    assert slack.views("carol") == []


def test_an_unacknowledged_delivery_is_reported_not_hidden() -> None:
    with SlackEmulator(ack_timeout=0.3) as slack, socket_mode(bolt_app(slack), slack):
        posted = slack.post_user_message("alice", "#general", f"<@{slack.bot_user_id}> anyone?")
    assert posted.deliveries[0].acked is False and posted.deliveries[0].status is None


def test_a_trigger_used_too_late_is_refused_as_expired() -> None:
    with SlackEmulator(trigger_ttl=0.2) as slack:
        app = bolt_app(slack)
        errors: list[str] = []

        @app.command("/slow")
        def slow(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            time.sleep(0.3)
            try:
                client.views_open(trigger_id=body["trigger_id"], view=step("Too late"))
            except SlackApiError as refused:
                errors.append(refused.response["error"])

        with socket_mode(app, slack):
            slack.slash_command("alice", "#general", "/slow")
            slack.wait_for(lambda: errors, what="the refusal")

    assert errors == ["expired_trigger_id"]


def test_edits_deletions_and_other_bots_reach_an_app_subscribed_to_channel_messages() -> None:
    events = DEFAULT_BOT_EVENTS | {"message.channels"}
    with SlackEmulator(bot_events=events) as slack:
        app = bolt_app(slack)
        seen: list[tuple[str | None, str | None]] = []

        @app.event("message")
        def on_message(event: dict[str, Any]) -> None:
            seen.append((event.get("subtype"), event.get("bot_id")))

        with socket_mode(app, slack):
            posted = slack.post_user_message("alice", "#general", "first")
            slack.edit_user_message("alice", "#general", posted.ts, "first (edited)")
            slack.delete_user_message("alice", "#general", posted.ts)
            slack.post_bot_message("#general", "deploy finished", bot_id="B0DEPLOY")
            slack.wait_for(lambda: len(seen) == 4, what="four message events")

    assert seen == [
        (None, None),
        ("message_changed", None),
        ("message_deleted", None),
        ("bot_message", "B0DEPLOY"),
    ]


def test_clients_reconnect_when_asked_and_keep_receiving(slack: SlackEmulator) -> None:
    app = bolt_app(slack)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], say: Say) -> None:
        say("still here", thread_ts=event["ts"])

    with socket_mode(app, slack):
        slack.request_reconnect()
        slack.wait_for(lambda: slack.call_count("apps.connections.open") == 2, what="reconnection")
        slack.wait_for(lambda: slack.socket_client_count == 1, what="the old socket to close")
        posted = slack.post_user_message("alice", "#general", f"<@{slack.bot_user_id}> ping")
        reply = slack.wait_for_message("#general", thread_ts=posted.ts, after=posted.ts)

    assert reply.text == "still here"


def test_interactions_over_http_arrive_form_encoded_and_answers_come_back(
    slack: SlackEmulator,
) -> None:
    app = bolt_app(slack)
    closed: list[str] = []

    @app.action("open")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = step("Details") | {"notify_on_close": True}
        view["blocks"] = [
            {
                "type": "input",
                "block_id": "lane",
                "label": {"type": "plain_text", "text": "Lane"},
                "element": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [
                        {"text": {"type": "plain_text", "text": "Build"}, "value": "build"},
                    ],
                },
            }
        ]
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view("wizard")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        ack(response_action="errors", errors={"lane": "Pick another lane"})

    @app.view_closed("wizard")
    def on_close(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        closed.append(view["id"])

    posted = web_client(slack).chat_postMessage(
        channel="#general", text="x", blocks=actions(("Open", "open"))
    )
    with http_mode(app, slack):
        assert slack.verify_url()
        clicked = slack.click_button("alice", "#general", posted["ts"], action_id="open")
        modal = slack.wait_for(lambda: slack.views("alice"), what="the modal")[0]
        with pytest.raises(EmulatorError, match="required input 'lane'"):
            slack.submit_view("alice", modal.id, {})
        refused = slack.submit_view("alice", modal.id, {"lane": "build"})
        slack.close_view("alice")
        slack.wait_for(lambda: closed, what="view_closed")

    assert clicked.transport == "http" and clicked.status == 200
    assert refused.errors == {"lane": "Pick another lane"}
    assert (
        refused.payload["view"]["state"]["values"]["lane"]["pick"]["selected_option"]["value"]
        == "build"
    )
    assert closed == [modal.id] and slack.views("alice") == []


def test_response_urls_allow_five_uses(slack: SlackEmulator) -> None:
    app = bolt_app(slack)
    urls: list[str] = []

    @app.command("/foreman")
    def command(ack: Ack, command: dict[str, Any]) -> None:
        ack()
        urls.append(command["response_url"])

    with socket_mode(app, slack):
        slack.slash_command("bob", "#general", "/foreman")

    answers = [httpx.post(urls[0], json={"text": f"update {n}"}) for n in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [404]
    assert answers[-1].json() == {"ok": False, "error": "used_url"}
    assert [e.text for e in slack.ephemerals("bob")] == [f"update {n}" for n in range(5)]
    assert slack.messages("#general") == []
