"""Block Kit limits as the emulator enforces them (pure validation, no server)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator.blockkit import message_text_error, validate_blocks, validate_view


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def button(label: str = "Go", action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(label), "action_id": action_id, **extra}


VALID_MESSAGE = [
    {"type": "header", "text": plain("h" * 150)},
    {"type": "section", "text": mrkdwn("s" * 3000), "accessory": button()},
    {"type": "section", "fields": [mrkdwn("f" * 2000)] * 10},
    {"type": "divider", "block_id": "b" * 255},
    {
        "type": "context",
        "elements": [mrkdwn("c")] * 9 + [{"type": "image", "image_url": "u", "alt_text": "a"}],
    },
    {
        "type": "actions",
        "elements": [button("b" * 75, "a" * 255, value="v" * 2000, style="primary")],
    },
    {"type": "image", "image_url": "https://example.com/x.png", "alt_text": "chart"},
    {"type": "rich_text", "elements": []},
]


def test_a_message_at_every_limit_is_accepted() -> None:
    assert validate_blocks(VALID_MESSAGE) == []
    assert validate_blocks([{"type": "divider"}] * 50) == []


@pytest.mark.parametrize(
    ("block", "error"),
    [
        (
            {"type": "header", "text": plain("h" * 151)},
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            {"type": "header", "text": mrkdwn("h")},
            "must be a plain_text text object [json-pointer:/blocks/0/text/type]",
        ),
        (
            {"type": "section", "text": mrkdwn("s" * 3001)},
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            {"type": "section", "text": mrkdwn("")},
            "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
        ),
        ({"type": "section"}, "must provide either text or fields [json-pointer:/blocks/0]"),
        (
            {"type": "section", "fields": [mrkdwn("f")] * 11},
            "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        ),
        (
            {"type": "section", "fields": [mrkdwn("f" * 2001)]},
            "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
        ),
        (
            {"type": "divider", "block_id": "b" * 256},
            "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
        ),
        (
            {"type": "context", "elements": [mrkdwn("c")] * 11},
            "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
        ),
        (
            {"type": "actions", "elements": [button("b" * 76)]},
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        (
            {"type": "actions", "elements": [button(action_id="a" * 256)]},
            "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
        ),
        (
            {"type": "actions", "elements": [button(value="v" * 2001)]},
            "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        ),
        (
            {"type": "actions", "elements": [button(style="loud")]},
            "must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]",
        ),
        (
            {"type": "actions", "elements": []},
            "must provide at least 1 items [json-pointer:/blocks/0/elements]",
        ),
        (
            {"type": "image", "image_url": "u"},
            "missing required field: alt_text [json-pointer:/blocks/0/alt_text]",
        ),
        ({"type": "carousel"}, "unknown block type 'carousel' [json-pointer:/blocks/0/type]"),
    ],
)
def test_each_limit_is_reported_with_a_pointer(block: dict[str, Any], error: str) -> None:
    assert validate_blocks([block]) == [error]


def test_block_counts_depend_on_the_surface() -> None:
    assert validate_blocks([{"type": "divider"}] * 51) == [
        "no more than 50 items allowed [json-pointer:/blocks]"
    ]
    assert validate_blocks([{"type": "divider"}] * 100, "modal") == []
    assert validate_blocks([{"type": "divider"}] * 101, "home") == [
        "no more than 100 items allowed [json-pointer:/blocks]"
    ]


def test_duplicates_are_refused_per_message_and_per_block() -> None:
    same_block_ids = [{"type": "divider", "block_id": "x"}, {"type": "divider", "block_id": "x"}]
    assert validate_blocks(same_block_ids) == [
        "duplicate block_id 'x' [json-pointer:/blocks/1/block_id]"
    ]
    same_actions = [{"type": "actions", "elements": [button(action_id="a"), button(action_id="a")]}]
    assert validate_blocks(same_actions) == [
        "duplicate action_id 'a' [json-pointer:/blocks/0/elements/1/action_id]"
    ]
    across_blocks = [{"type": "actions", "elements": [button(action_id="a")]}] * 2
    assert validate_blocks(across_blocks) == []


def test_modal_rules() -> None:
    ok = {"type": "modal", "title": plain("t" * 24), "submit": plain("Go"), "blocks": []}
    assert validate_view(ok) == []
    assert validate_view(ok | {"title": plain("t" * 25)}) == [
        "must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    needs_submit = {
        "type": "modal",
        "title": plain("t"),
        "blocks": [{"type": "input", "label": plain("L"), "element": {"type": "plain_text_input"}}],
    }
    assert validate_view(needs_submit) == [
        "submit is required when an input block is within the blocks array [json-pointer:/view]"
    ]
    assert validate_view({"type": "sheet"}) == [
        "must be one of modal, home [json-pointer:/view/type]"
    ]


def test_top_level_text_limit() -> None:
    assert message_text_error("x" * 40_000) is None
    assert message_text_error("x" * 40_001) == "msg_too_long"
