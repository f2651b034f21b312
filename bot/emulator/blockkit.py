"""Block Kit validation with Slack's limits and Slack's error wording.

Only what Slack would refuse is reported, each error ending in a `[json-pointer:…]` the way
Slack's own `invalid_blocks` errors do, so a message refused here is refused in production
and the error points at the field to fix. Unknown element types pass with their common fields
checked: rejecting something valid would be worse than missing an exotic limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[Surface, int] = {"message": 50, "modal": 100, "home": 100}
MAX_MESSAGE_TEXT = 40_000

_BLOCK_TYPES = {
    "actions", "context", "divider", "file", "header", "image", "input",
    "markdown", "rich_text", "section", "video", "table", "context_actions",
}  # fmt: skip
_SELECTS = {
    "static_select", "external_select", "users_select", "conversations_select",
    "channels_select", "multi_static_select", "multi_external_select",
    "multi_users_select", "multi_conversations_select", "multi_channels_select",
}  # fmt: skip


def _ptr(base: str, *parts: object) -> str:
    return "/".join([base, *(str(part) for part in parts)])


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def max_len(self, value: object, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def text(self, obj: object, pointer: str, limit: int, *, plain_only: bool = False) -> None:
        """A text composition object: `{"type": "plain_text"|"mrkdwn", "text": …}`."""
        if not isinstance(obj, dict):
            self.fail("must be a text object", pointer)
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.fail("type must be plain_text or mrkdwn", _ptr(pointer, "type"))
        elif plain_only and kind != "plain_text":
            self.fail("must be a plain_text text object", _ptr(pointer, "type"))
        text = obj.get("text")
        if not isinstance(text, str):
            self.fail("missing required field: text", _ptr(pointer, "text"))
        elif not text:
            self.fail("must be more than 0 characters", _ptr(pointer, "text"))
        else:
            self.max_len(text, limit, _ptr(pointer, "text"))

    def items(self, value: object, limit: int, pointer: str, *, minimum: int = 1) -> list[Any]:
        if not isinstance(value, list):
            self.fail("must be an array", pointer)
            return []
        if len(value) > limit:
            self.fail(f"no more than {limit} items allowed", pointer)
        elif len(value) < minimum:
            self.fail(f"must provide at least {minimum} items", pointer)
        return value

    def confirm(self, obj: object, pointer: str) -> None:
        if not isinstance(obj, dict):
            self.fail("must be a confirm object", pointer)
            return
        self.text(obj.get("title"), _ptr(pointer, "title"), 100, plain_only=True)
        self.text(obj.get("text"), _ptr(pointer, "text"), 300)
        self.text(obj.get("confirm"), _ptr(pointer, "confirm"), 30, plain_only=True)
        self.text(obj.get("deny"), _ptr(pointer, "deny"), 30, plain_only=True)

    def options(self, value: object, limit: int, pointer: str, *, minimum: int = 1) -> None:
        for index, option in enumerate(self.items(value, limit, pointer, minimum=minimum)):
            here = _ptr(pointer, index)
            if not isinstance(option, dict):
                self.fail("must be an option object", here)
                continue
            self.text(option.get("text"), _ptr(here, "text"), 75)
            self.max_len(option.get("value"), 150, _ptr(here, "value"))
            if "description" in option:
                self.text(option["description"], _ptr(here, "description"), 75)

    def element(self, element: object, pointer: str) -> None:
        if not isinstance(element, dict):
            self.fail("must be an element object", pointer)
            return
        kind = element.get("type")
        self.max_len(element.get("action_id"), 255, _ptr(pointer, "action_id"))
        if "confirm" in element:
            self.confirm(element["confirm"], _ptr(pointer, "confirm"))
        if "placeholder" in element:
            self.text(element["placeholder"], _ptr(pointer, "placeholder"), 150, plain_only=True)
        if kind == "button":
            self.button(element, pointer)
        elif kind in _SELECTS or kind in ("checkboxes", "radio_buttons", "overflow"):
            limit = {"checkboxes": 10, "radio_buttons": 10, "overflow": 5}.get(str(kind), 100)
            if "options" in element:
                self.options(element["options"], limit, _ptr(pointer, "options"))
            elif (
                kind in ("static_select", "multi_static_select") and "option_groups" not in element
            ):
                self.fail("must provide options or option_groups", pointer)
            elif kind in ("checkboxes", "radio_buttons", "overflow"):
                self.fail("missing required field: options", _ptr(pointer, "options"))
        elif kind == "plain_text_input":
            self.max_len(element.get("initial_value"), 3000, _ptr(pointer, "initial_value"))
            max_length = element.get("max_length")
            if isinstance(max_length, int) and not 1 <= max_length <= 3000:
                self.fail("must be between 1 and 3000", _ptr(pointer, "max_length"))
        elif kind == "image":
            self.image(element, pointer)
        elif not isinstance(kind, str):
            self.fail("missing required field: type", _ptr(pointer, "type"))

    def button(self, element: dict[str, Any], pointer: str) -> None:
        self.text(element.get("text"), _ptr(pointer, "text"), 75, plain_only=True)
        self.max_len(element.get("value"), 2000, _ptr(pointer, "value"))
        self.max_len(element.get("url"), 3000, _ptr(pointer, "url"))
        self.max_len(element.get("accessibility_label"), 75, _ptr(pointer, "accessibility_label"))
        style = element.get("style")
        if style is not None and style not in ("primary", "danger"):
            self.fail("must be one of primary, danger", _ptr(pointer, "style"))

    def image(self, obj: dict[str, Any], pointer: str) -> None:
        if "image_url" not in obj and "slack_file" not in obj:
            self.fail("missing required field: image_url", _ptr(pointer, "image_url"))
        self.max_len(obj.get("image_url"), 3000, _ptr(pointer, "image_url"))
        alt = obj.get("alt_text")
        if not isinstance(alt, str) or not alt:
            self.fail("missing required field: alt_text", _ptr(pointer, "alt_text"))
        self.max_len(alt, 2000, _ptr(pointer, "alt_text"))

    def block(self, block: object, pointer: str) -> None:
        if not isinstance(block, dict):
            self.fail("must be a block object", pointer)
            return
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.fail(f"unknown block type {kind!r}", _ptr(pointer, "type"))
            return
        self.max_len(block.get("block_id"), 255, _ptr(pointer, "block_id"))
        getattr(self, f"block_{kind}", lambda _block, _pointer: None)(block, pointer)

    def block_section(self, block: dict[str, Any], pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.fail("must provide either text or fields", pointer)
        if "text" in block:
            self.text(block["text"], _ptr(pointer, "text"), 3000)
        if "fields" in block:
            for index, item in enumerate(self.items(block["fields"], 10, _ptr(pointer, "fields"))):
                self.text(item, _ptr(pointer, "fields", index), 2000)
        if "accessory" in block:
            self.element(block["accessory"], _ptr(pointer, "accessory"))

    def block_header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), _ptr(pointer, "text"), 150, plain_only=True)

    def block_image(self, block: dict[str, Any], pointer: str) -> None:
        self.image(block, pointer)
        if "title" in block:
            self.text(block["title"], _ptr(pointer, "title"), 2000, plain_only=True)

    def block_actions(self, block: dict[str, Any], pointer: str) -> None:
        elements = self.items(block.get("elements"), 25, _ptr(pointer, "elements"))
        seen: set[str] = set()
        for index, element in enumerate(elements):
            here = _ptr(pointer, "elements", index)
            self.element(element, here)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str):
                if action_id in seen:
                    self.fail(f"duplicate action_id {action_id!r}", _ptr(here, "action_id"))
                seen.add(action_id)

    def block_context(self, block: dict[str, Any], pointer: str) -> None:
        elements = self.items(block.get("elements"), 10, _ptr(pointer, "elements"))
        for index, element in enumerate(elements):
            here = _ptr(pointer, "elements", index)
            if isinstance(element, dict) and element.get("type") == "image":
                self.image(element, here)
            else:
                self.text(element, here, 3000)

    def block_input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), _ptr(pointer, "label"), 2000, plain_only=True)
        if "hint" in block:
            self.text(block["hint"], _ptr(pointer, "hint"), 2000, plain_only=True)
        if "element" not in block:
            self.fail("missing required field: element", _ptr(pointer, "element"))
        else:
            self.element(block["element"], _ptr(pointer, "element"))

    def block_markdown(self, block: dict[str, Any], pointer: str) -> None:
        text = block.get("text")
        if not isinstance(text, str) or not text:
            self.fail("missing required field: text", _ptr(pointer, "text"))
        self.max_len(text, 12_000, _ptr(pointer, "text"))

    def blocks(self, blocks: object, surface: Surface, pointer: str) -> None:
        if not isinstance(blocks, list):
            self.fail("must be an array", pointer)
            return
        limit = MAX_BLOCKS[surface]
        if len(blocks) > limit:
            self.fail(f"no more than {limit} items allowed", pointer)
        seen: set[str] = set()
        for index, block in enumerate(blocks):
            self.block(block, _ptr(pointer, index))
            block_id = block.get("block_id") if isinstance(block, dict) else None
            if isinstance(block_id, str):
                if block_id in seen:
                    self.fail(f"duplicate block_id {block_id!r}", _ptr(pointer, index, "block_id"))
                seen.add(block_id)


def validate_blocks(
    blocks: object, surface: Surface = "message", pointer: str = "/blocks"
) -> list[str]:
    """Every reason Slack would refuse `blocks` on `surface`; empty when they are fine."""
    checker = _Checker()
    checker.blocks(blocks, surface, pointer)
    return checker.errors


def validate_view(view: object) -> list[str]:
    """Every reason `views.open` / `views.publish` would refuse `view`."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("must be a view object", "/view")
        return checker.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail("must be one of modal, home", "/view/type")
        return checker.errors
    checker.blocks(view.get("blocks"), "modal" if kind == "modal" else "home", "/view/blocks")
    checker.max_len(view.get("callback_id"), 255, "/view/callback_id")
    checker.max_len(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.max_len(view.get("external_id"), 255, "/view/external_id")
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", 24, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.text(view[key], f"/view/{key}", 24, plain_only=True)
        has_input = any(_is_input(block) for block in view.get("blocks") or [])
        if has_input and view.get("submit") is None:
            checker.fail(
                "submit is required when an input block is within the blocks array", "/view"
            )
    return checker.errors


def _is_input(block: object) -> bool:
    return isinstance(block, dict) and block.get("type") == "input"


def message_text_error(text: object) -> str | None:
    """`msg_too_long` when the top-level text is beyond what chat.postMessage accepts."""
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return "msg_too_long"
    return None


def slack_messages(errors: Iterable[str]) -> list[str]:
    """Errors in the `response_metadata.messages` form Slack adds next to them."""
    return [f"[ERROR] {error}" for error in errors]
