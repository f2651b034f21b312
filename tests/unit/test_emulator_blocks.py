"""Walking blocks, modal state values and request signing (pure parts of the emulator)."""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.emulator.blocks import fill_ids, find_button, iter_buttons, state_value
from bot.emulator.http_delivery import Signing, encode, signed_headers
from bot.emulator.ids import IdFactory

OPTIONS = [
    {"text": {"type": "plain_text", "text": "Build"}, "value": "build"},
    {"text": {"type": "plain_text", "text": "Verify"}, "value": "verify"},
]


def test_buttons_are_found_by_action_id_or_label_in_display_order() -> None:
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "block_id": "s",
            "text": {"type": "mrkdwn", "text": "x"},
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open"},
                "action_id": "open",
            },
        },
        {
            "type": "actions",
            "block_id": "a",
            "elements": [
                {"type": "static_select", "action_id": "pick", "options": OPTIONS},
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "action_id": "ok",
                    "value": "7",
                },
            ],
        },
    ]
    assert [b.action_id for b in iter_buttons(blocks)] == ["open", "ok"]
    by_label = find_button(blocks, text="Approve")
    assert by_label is not None and (by_label.block_id, by_label.value) == ("a", "7")
    assert find_button(blocks, action_id="open") is not None
    assert find_button(blocks, action_id="pick") is None
    assert find_button(blocks, action_id="ok", text="Open") is None


def test_missing_ids_are_filled_without_touching_the_original() -> None:
    numbers = count(1)
    original: list[dict[str, Any]] = [
        {
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Go"}}],
        },
        {"type": "divider", "block_id": "keep"},
    ]
    filled = fill_ids(original, lambda: f"b{next(numbers)}", lambda: f"a{next(numbers)}")
    assert filled[0]["block_id"] == "b1" and filled[0]["elements"][0]["action_id"] == "a2"
    assert filled[1]["block_id"] == "keep"
    assert "block_id" not in original[0]


@pytest.mark.parametrize(
    ("element", "entered", "state"),
    [
        ({"type": "plain_text_input"}, "hello", {"type": "plain_text_input", "value": "hello"}),
        ({"type": "plain_text_input"}, None, {"type": "plain_text_input", "value": None}),
        (
            {"type": "static_select", "options": OPTIONS},
            "verify",
            {"type": "static_select", "selected_option": OPTIONS[1]},
        ),
        (
            {"type": "checkboxes", "options": OPTIONS},
            ["build"],
            {"type": "checkboxes", "selected_options": [OPTIONS[0]]},
        ),
        ({"type": "users_select"}, "U0BOB", {"type": "users_select", "selected_user": "U0BOB"}),
        (
            {"type": "multi_users_select"},
            "U0BOB",
            {"type": "multi_users_select", "selected_users": ["U0BOB"]},
        ),
        (
            {"type": "datepicker"},
            "2030-01-31",
            {"type": "datepicker", "selected_date": "2030-01-31"},
        ),
    ],
)
def test_state_values_have_slacks_shape(
    element: dict[str, Any], entered: object, state: dict[str, Any]
) -> None:
    assert state_value(element, entered) == state


def test_choosing_something_that_is_not_an_option_is_an_error() -> None:
    with pytest.raises(ValueError, match="not one of the options"):
        state_value({"type": "static_select", "action_id": "lane", "options": OPTIONS}, "ship")


def test_signatures_verify_with_the_sdk_and_forgeries_do_not() -> None:
    verifier = SignatureVerifier("s3cret")
    body = b'{"type": "event_callback"}'
    good = signed_headers("s3cret", body, "application/json", Signing())
    assert verifier.is_valid_request(body, good)
    assert not verifier.is_valid_request(
        body, signed_headers("s3cret", body, "application/json", Signing(forge=True))
    )
    old = signed_headers("s3cret", body, "application/json", Signing(timestamp_age=301))
    assert int(old["X-Slack-Request-Timestamp"]) <= time.time() - 301
    assert not verifier.is_valid_request(body, old)
    assert "X-Slack-Signature" not in signed_headers(
        "s3cret", body, "application/json", Signing(omit_headers=True)
    )


def test_bodies_are_encoded_per_kind_as_slack_sends_them() -> None:
    event_body, event_type = encode("events_api", {"type": "event_callback"})
    assert event_type == "application/json" and json.loads(event_body) == {"type": "event_callback"}
    action_body, action_type = encode("interactive", {"type": "block_actions"})
    assert action_type == "application/x-www-form-urlencoded"
    assert json.loads(parse_qs(action_body.decode())["payload"][0]) == {"type": "block_actions"}
    command_body, _ = encode("slash_commands", {"command": "/foreman", "text": "plan it"})
    assert parse_qs(command_body.decode()) == {"command": ["/foreman"], "text": ["plan it"]}


def test_timestamps_are_unique_and_increasing_even_when_generated_fast() -> None:
    ids = IdFactory()
    stamps = [ids.ts() for _ in range(2000)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 2000
