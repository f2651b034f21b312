"""Walking Block Kit structures: the buttons a person could press, the inputs they could fill.

Shared by the emulator (which only lets a simulated person press a button that is really on
the screen) and by the terminal renderer (which numbers those same buttons).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.emulator.model import JSON


@dataclass(frozen=True)
class ButtonRef:
    """A button as it appears on a message or view."""

    block_id: str
    action_id: str
    label: str
    value: str | None
    style: str | None
    url: str | None
    element: JSON

    def action_payload(self, action_ts: str) -> JSON:
        """The entry Slack puts in `actions` when this button is pressed."""
        action: JSON = {
            "type": "button",
            "block_id": self.block_id,
            "action_id": self.action_id,
            "text": copy.deepcopy(self.element.get("text")),
            "action_ts": action_ts,
        }
        for key in ("value", "style", "url"):
            if key in self.element:
                action[key] = self.element[key]
        return action


def _label(element: Mapping[str, Any]) -> str:
    text = element.get("text")
    return str(text.get("text", "")) if isinstance(text, dict) else ""


def iter_buttons(blocks: list[JSON] | None) -> Iterator[ButtonRef]:
    """Buttons in display order: `actions` elements and section accessories."""
    for block in blocks or []:
        candidates: list[Any] = []
        if block.get("type") in ("actions", "context_actions"):
            candidates = list(block.get("elements") or [])
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            candidates = [block["accessory"]]
        for element in candidates:
            if isinstance(element, dict) and element.get("type") == "button":
                yield ButtonRef(
                    block_id=str(block.get("block_id", "")),
                    action_id=str(element.get("action_id", "")),
                    label=_label(element),
                    value=element.get("value"),
                    style=element.get("style"),
                    url=element.get("url"),
                    element=element,
                )


def find_button(
    blocks: list[JSON] | None, *, action_id: str | None = None, text: str | None = None
) -> ButtonRef | None:
    """The first button matching `action_id` and/or its visible label (`text`)."""
    for button in iter_buttons(blocks):
        if action_id is not None and button.action_id != action_id:
            continue
        if text is not None and button.label.strip() != text.strip():
            continue
        return button
    return None


def describe_buttons(blocks: list[JSON] | None) -> str:
    found = [f"{b.label!r} (action_id={b.action_id!r})" for b in iter_buttons(blocks)]
    return ", ".join(found) if found else "no buttons at all"


def fill_ids(
    blocks: list[JSON], new_block_id: Callable[[], str], new_action_id: Callable[[], str]
) -> list[JSON]:
    """A copy of `blocks` where every block and interactive element has an id.

    Slack assigns ids the app left out and echoes them back in interaction payloads, so a
    bot that matches on `block_id` sees the same thing here as in production.
    """
    filled = copy.deepcopy(blocks)
    for block in filled:
        if not isinstance(block, dict):
            continue
        block.setdefault("block_id", new_block_id())
        for element in _interactive_elements(block):
            if element.get("type") not in ("image", "plain_text", "mrkdwn"):
                element.setdefault("action_id", new_action_id())
    return filled


def _interactive_elements(block: JSON) -> list[JSON]:
    elements: list[Any] = []
    if block.get("type") in ("actions", "context_actions"):
        elements = list(block.get("elements") or [])
    elif block.get("type") == "section" and "accessory" in block:
        elements = [block["accessory"]]
    elif block.get("type") == "input" and "element" in block:
        elements = [block["element"]]
    return [element for element in elements if isinstance(element, dict)]


@dataclass(frozen=True)
class InputRef:
    block_id: str
    action_id: str
    element: JSON
    optional: bool
    label: str


def iter_inputs(blocks: list[JSON]) -> Iterator[InputRef]:
    """The input blocks a person fills in a modal, in display order."""
    for block in blocks:
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict):
            yield InputRef(
                block_id=str(block.get("block_id", "")),
                action_id=str(element.get("action_id", "")),
                element=element,
                optional=bool(block.get("optional", False)),
                label=_label({"text": block.get("label")}),
            )


def _option(element: JSON, value: object) -> JSON:
    for option in element.get("options") or []:
        if option.get("value") == value:
            return copy.deepcopy(dict(option))
    for group in element.get("option_groups") or []:
        for option in group.get("options") or []:
            if option.get("value") == value:
                return copy.deepcopy(dict(option))
    raise ValueError(f"{value!r} is not one of the options of {element.get('action_id')!r}")


_SINGLE_KEYS = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_MULTI_KEYS = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}


def state_value(element: JSON, value: object) -> JSON:
    """What `view.state.values[block][action]` holds when a person entered `value`.

    `value` is what a person would pick: the text typed, the option's `value`, a user id. A
    dict is taken as the finished state entry, for element types this module does not know.
    """
    kind = str(element.get("type", ""))
    if isinstance(value, dict):
        return {"type": kind, **value}
    state: JSON = {"type": kind}
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        state["value"] = None if value is None else str(value)
    elif kind in ("static_select", "external_select", "radio_buttons"):
        state["selected_option"] = None if value is None else _option(element, value)
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        chosen = value if isinstance(value, list) else ([] if value is None else [value])
        state["selected_options"] = [_option(element, item) for item in chosen]
    elif kind in _SINGLE_KEYS:
        state[_SINGLE_KEYS[kind]] = value
    elif kind in _MULTI_KEYS:
        state[_MULTI_KEYS[kind]] = (
            value if isinstance(value, list) else ([] if value is None else [value])
        )
    else:
        state["value"] = value
    return state


def is_empty_state(state: JSON) -> bool:
    return all(item in (None, [], "") for key, item in state.items() if key != "type")
