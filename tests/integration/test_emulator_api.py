"""The emulator's Web API, exercised with the real slack_sdk WebClient (and raw HTTP)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator import SlackEmulator
from tests.support.slack import web_client


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return web_client(slack)


def error_of(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as refused:
        call(*args, **kwargs)
    data: dict[str, Any] = refused.value.response.data
    return data


def test_start_and_stop_are_fast_and_leave_no_thread() -> None:
    before = set(threading.enumerate())
    started = time.monotonic()
    with SlackEmulator() as slack:
        web_client(slack).auth_test()
    assert time.monotonic() - started < 0.5
    assert set(threading.enumerate()) == before


def test_tokens_are_checked_like_slack(slack: SlackEmulator, client: WebClient) -> None:
    identity = client.auth_test()
    assert (identity["user_id"], identity["bot_id"], identity["team_id"]) == (
        slack.bot_user_id,
        slack.bot_id,
        slack.team_id,
    )
    anonymous = WebClient(base_url=slack.api_url)
    assert error_of(anonymous.auth_test)["error"] == "not_authed"
    stranger = WebClient(token="xoxb-0-not-ours", base_url=slack.api_url)
    assert error_of(stranger.auth_test)["error"] == "invalid_auth"
    app_level = WebClient(token=slack.app_token, base_url=slack.api_url)
    assert error_of(app_level.chat_postMessage, channel="#general", text="x")["error"] == (
        "not_allowed_token_type"
    )
    assert error_of(client.apps_connections_open, app_token=slack.bot_token)["error"] == (
        "not_allowed_token_type"
    )
    url = client.apps_connections_open(app_token=slack.app_token)["url"]
    assert url.startswith("ws://127.0.0.1:") and "ticket=" in url


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
def test_message_errors(slack: SlackEmulator, client: WebClient) -> None:
    assert (
        error_of(client.chat_postMessage, channel="#nope", text="x")["error"] == "channel_not_found"
    )
    assert error_of(client.chat_postMessage, channel="#general")["error"] == "no_text"
    too_long = error_of(client.chat_postMessage, channel="#general", text="x" * 40_001)
    assert too_long["error"] == "msg_too_long"
    assert error_of(client.chat_update, channel="#general", ts="1.000001", text="x")["error"] == (
        "message_not_found"
    )
    user_post = slack.post_user_message("alice", "#general", "mine")
    assert error_of(client.chat_update, channel="#general", ts=user_post.ts, text="x")["error"] == (
        "cant_update_message"
    )
    assert error_of(client.chat_delete, channel="#general", ts=user_post.ts)["error"] == (
        "cant_delete_message"
    )
    quiet = slack.add_channel("quiet", bot_member=False)
    assert (
        error_of(client.chat_postMessage, channel=quiet.id, text="x")["error"] == "not_in_channel"
    )


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}],
            "duplicate block_id 'a' [json-pointer:/blocks/1/block_id]",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "A"},
                            "action_id": "x",
                        },
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "B"},
                            "action_id": "x",
                        },
                    ],
                }
            ],
            "duplicate action_id 'x' [json-pointer:/blocks/0/elements/1/action_id]",
        ),
    ],
)
def test_invalid_blocks_come_back_with_readable_errors(
    client: WebClient, blocks: list[dict[str, Any]], expected: str
) -> None:
    refused = error_of(client.chat_postMessage, channel="#general", text="x", blocks=blocks)
    assert refused["error"] == "invalid_blocks"
    assert refused["errors"] == [expected]
    assert refused["response_metadata"]["messages"] == [f"[ERROR] {expected}"]


def test_form_encoded_calls_work_like_json_ones(slack: SlackEmulator) -> None:
    blocks = '[{"type": "section", "text": {"type": "mrkdwn", "text": "*form*"}}]'
    response = httpx.post(
        slack.api_url + "chat.postMessage",
        data={"channel": "general", "text": "form", "blocks": blocks},
        headers={"Authorization": f"Bearer {slack.bot_token}"},
    )
    assert response.json()["ok"] is True
    assert slack.messages("#general")[0].blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*form*"}, "block_id": "b00001"}
    ]
    broken = httpx.post(
        slack.api_url + "chat.postMessage",
        data={"channel": "general", "blocks": "[{not json"},
        headers={"Authorization": f"Bearer {slack.bot_token}"},
    )
    assert broken.json() == {"ok": False, "error": "invalid_blocks_format"}


def test_update_keeps_blocks_unless_given_and_records_history(
    slack: SlackEmulator, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "v1"}}]
    posted = client.chat_postMessage(channel="#general", text="v1", blocks=blocks)
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="v2")
    assert slack.message("#general", posted["ts"]).blocks is not None  # type: ignore[union-attr]
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="v3", blocks=[])
    message = slack.message("#general", posted["ts"])
    assert message is not None and message.blocks is None and message.text == "v3"
    assert [version.text for version in message.history] == ["v1", "v2"]


def test_ephemeral_delete_permalink_and_reactions(slack: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="#general", text="hello")
    client.chat_postEphemeral(channel="#general", user="U0ALICE", text="only you")
    assert [e.text for e in slack.ephemerals("alice")] == ["only you"]
    assert slack.ephemerals("bob") == []
    dm_only = slack.add_channel("secret", private=True, members=["bob"])
    refused = error_of(client.chat_postEphemeral, channel=dm_only.id, user="U0ALICE", text="x")
    assert refused["error"] == "user_not_in_channel"

    link = client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])["permalink"]
    assert link.endswith(f"/archives/C0GENERAL/p{posted['ts'].replace('.', '')}")

    client.reactions_add(channel=posted["channel"], timestamp=posted["ts"], name="eyes")
    again = error_of(
        client.reactions_add, channel=posted["channel"], timestamp=posted["ts"], name="eyes"
    )
    assert again["error"] == "already_reacted"
    assert slack.reactions("#general", posted["ts"]) == {"eyes": [slack.bot_user_id]}

    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert slack.messages("#general") == []


def test_history_and_replies_paginate(slack: SlackEmulator, client: WebClient) -> None:
    sent = [client.chat_postMessage(channel="#general", text=str(n))["ts"] for n in range(5)]
    client.chat_postMessage(channel="#general", text="in thread", thread_ts=sent[0])
    first = client.conversations_history(channel="C0GENERAL", limit=3)
    assert [m["text"] for m in first["messages"]] == ["4", "3", "2"] and first["has_more"]
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel="C0GENERAL", limit=3, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["1", "0"] and not rest["has_more"]
    assert rest["messages"][1]["reply_count"] == 1
    missing = error_of(client.conversations_replies, channel="C0GENERAL", ts="1.000001")
    assert missing["error"] == "thread_not_found"


def test_directory_methods(slack: SlackEmulator, client: WebClient) -> None:
    alice = client.users_info(user="U0ALICE")["user"]
    assert (alice["name"], alice["is_bot"]) == ("alice", False)
    assert client.users_info(user=slack.bot_user_id)["user"]["is_bot"] is True
    assert error_of(client.users_info, user="U0NOBODY")["error"] == "user_not_found"
    group = slack.add_usergroup("approvers", ["alice", "bob"])
    assert client.usergroups_users_list(usergroup=group)["users"] == ["U0ALICE", "U0BOB"]
    assert error_of(client.usergroups_users_list, usergroup="S0NONE")["error"] == "no_such_subteam"


def modal(title: str = "Ticket", blocks: int = 1) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "divider"}] * blocks,
    }


def test_views_need_fresh_single_use_triggers_and_respect_limits(client: WebClient) -> None:
    assert error_of(client.views_open, trigger_id="123.456.abc", view=modal())["error"] == (
        "invalid_trigger_id"
    )
    long_title = error_of(client.views_open, trigger_id="x", view=modal(title="t" * 25))
    assert long_title["error"] == "invalid_arguments"
    assert long_title["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    too_many = error_of(
        client.views_publish, user_id="U0ALICE", view=modal(blocks=101) | {"type": "home"}
    )
    assert too_many["errors"] == ["no more than 100 items allowed [json-pointer:/view/blocks]"]


def test_home_tab_publish_and_hash_conflict(slack: SlackEmulator, client: WebClient) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    first = client.views_publish(user_id="U0ALICE", view=home)["view"]
    second = client.views_publish(user_id="U0ALICE", view=home, hash=first["hash"])["view"]
    assert second["id"] == first["id"] and second["hash"] != first["hash"]
    stale = error_of(client.views_publish, user_id="U0ALICE", view=home, hash=first["hash"])
    assert stale["error"] == "hash_conflict"
    published = slack.home("alice")
    assert published is not None and published.blocks[0]["text"]["text"] == "hi"


def test_rate_limited_calls_answer_429_and_store_nothing(slack: SlackEmulator) -> None:
    slack.rate_limit("chat.postMessage", retry_after=7, times=2)
    for _ in range(2):
        response = httpx.post(
            slack.api_url + "chat.postMessage",
            json={"channel": "#general", "text": "x"},
            headers={"Authorization": f"Bearer {slack.bot_token}"},
        )
        assert response.status_code == 429 and response.headers["Retry-After"] == "7"
        assert response.json() == {"ok": False, "error": "ratelimited"}
    assert slack.messages("#general") == []
    assert web_client(slack).chat_postMessage(channel="#general", text="x")["ok"]
    assert slack.call_count("chat.postMessage") == 3


def test_fifty_concurrent_posts_all_land_with_distinct_timestamps(
    slack: SlackEmulator, client: WebClient
) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(
            pool.map(lambda n: client.chat_postMessage(channel="#general", text=str(n)), range(50))
        )
    assert all(result["ok"] for result in results)
    assert len({result["ts"] for result in results}) == 50
    assert len(slack.messages("#general")) == 50
