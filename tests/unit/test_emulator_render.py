"""Terminal rendering of Block Kit (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator.model import Message, View
from bot.emulator.render import mrkdwn_to_text, render_blocks, render_message, render_view

USERS = {"U0ALICE": "alice", "U0FOREMAN": "foreman"}
CHANNELS = {"C0GENERAL": "general"}


def button(label: str, action_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        **extra,
    }


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("see <https://ci.example/run/7|run 7>", "see run 7 (https://ci.example/run/7)"),
        ("bare <https://example.com>", "bare https://example.com"),
        ("hi <@U0ALICE>", "hi @alice"),
        ("hi <@U0NOBODY>", "hi @U0NOBODY"),
        ("in <#C0GENERAL>", "in #general"),
        ("in <#C0OTHER|ops>", "in #ops"),
        ("<!here> look", "@here look"),
        ("ask <!subteam^S0APPROVERS|@approvers>", "ask @approvers"),
        ("due <!date^1700000000^{date}|Nov 14>", "due Nov 14"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
    ],
)
def test_mrkdwn_markup_becomes_readable(source: str, shown: str) -> None:
    assert mrkdwn_to_text(source, USERS, CHANNELS) == shown


def test_a_plan_message_renders_with_numbered_buttons() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Plan FM-7"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Requested by <@U0ALICE>"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Tickets*\n6"},
                {"type": "mrkdwn", "text": "*Lane*\nbuild"},
            ],
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "FM-7"},
                {"type": "plain_text", "text": "2 min ago"},
            ],
        },
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                button("Approve plan", "approve", style="primary", value="FM-7"),
                button("Cancel", "cancel"),
            ],
        },
    ]

    rendered = render_blocks(blocks, users=USERS)

    assert rendered.text == "\n".join(
        [
            "Plan FM-7",
            "=========",
            "Requested by @alice",
            "  *Tickets* 6",
            "  *Lane* build",
            "-" * 40,
            "  FM-7 · 2 min ago",
            "[1] Approve plan  [2] Cancel",
        ]
    )
    assert [b.action_id for b in rendered.buttons] == ["approve", "cancel"]
    assert rendered.button(1).value == "FM-7" and rendered.button(1).block_id == "decide"
    with pytest.raises(IndexError):
        rendered.button(3)


def test_accessory_buttons_and_other_elements() -> None:
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "ASK-3"},
            "accessory": button("Open", "open", url="https://x.test"),
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": "s",
                    "placeholder": {"type": "plain_text", "text": "Pick"},
                    "options": [],
                },
                button("Deny", "deny"),
            ],
        },
        {"type": "image", "image_url": "https://x.test/i.png", "alt_text": "graph"},
    ]
    rendered = render_blocks(blocks)
    assert rendered.text.splitlines() == [
        "ASK-3",
        "  [1] Open (https://x.test)",
        "[Pick ▾]  [2] Deny",
        "[image: graph] https://x.test/i.png",
    ]


def test_messages_without_blocks_show_their_text_and_rich_text_is_flattened() -> None:
    assert render_message({"text": "ping <@U0FOREMAN>"}, users=USERS).text == "ping @foreman"
    rich = Message(
        channel="C0GENERAL",
        ts="1.000001",
        text="ignored when blocks exist",
        blocks=[
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "user", "user_id": "U0FOREMAN"},
                            {"type": "text", "text": " see "},
                            {"type": "link", "url": "https://x.test", "text": "this"},
                        ],
                    },
                    {
                        "type": "rich_text_list",
                        "elements": [{"elements": [{"type": "text", "text": "one"}]}],
                    },
                ],
            }
        ],
    )
    assert render_message(rich, users=USERS).text == "@foreman see this (https://x.test)\n• one"


def test_a_modal_shows_title_inputs_and_submit() -> None:
    view = View(
        id="V1",
        type="modal",
        user="U0ALICE",
        hash="h",
        root_view_id="V1",
        spec={
            "type": "modal",
            "title": {"type": "plain_text", "text": "New ticket"},
            "submit": {"type": "plain_text", "text": "File it"},
            "blocks": [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "Title"},
                    "element": {"type": "plain_text_input", "action_id": "t"},
                    "optional": True,
                }
            ],
        },
    )
    assert render_view(view).text == "[ New ticket ]\nTitle (optional): [______]\n< File it >"
