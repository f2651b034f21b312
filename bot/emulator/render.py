"""Block Kit to plain text, for a chat in a terminal.

Pure functions: blocks in, text and the list of pressable buttons out. Buttons are numbered
in display order (`[1] Approve plan  [2] Cancel`) and `Rendered.button(n)` gives back the
button so a terminal front end can press "2" without knowing anything about Block Kit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.blocks import ButtonRef, iter_buttons
from bot.emulator.model import JSON, Message, View

RULE = "-" * 40
_ANGLE = re.compile(r"<([^<>]+)>")


def mrkdwn_to_text(
    text: str, users: Mapping[str, str] | None = None, channels: Mapping[str, str] | None = None
) -> str:
    """Slack's `<…>` markup made readable: links, mentions, channels, dates."""
    users = users or {}
    channels = channels or {}

    def replace(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "@" + (label or users.get(target[1:], target[1:]))
        if target.startswith("#"):
            return "#" + (label or channels.get(target[1:], target[1:]))
        if target.startswith("!subteam^"):
            return label or "@" + target.removeprefix("!subteam^")
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:]
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_ANGLE.sub(replace, text))


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: list[ButtonRef] = field(default_factory=list)

    def button(self, number: int) -> ButtonRef:
        """Button `number` as shown on screen (1-based)."""
        if not 1 <= number <= len(self.buttons):
            raise IndexError(f"there is no button [{number}]; choose 1 to {len(self.buttons)}")
        return self.buttons[number - 1]


class _Renderer:
    def __init__(self, users: Mapping[str, str], channels: Mapping[str, str]) -> None:
        self.users = users
        self.channels = channels
        self.lines: list[str] = []
        self.buttons: list[ButtonRef] = []

    def text(self, obj: Any) -> str:
        if isinstance(obj, str):
            return mrkdwn_to_text(obj, self.users, self.channels)
        if not isinstance(obj, dict):
            return ""
        raw = str(obj.get("text", ""))
        return (
            raw
            if obj.get("type") == "plain_text"
            else mrkdwn_to_text(raw, self.users, self.channels)
        )

    def element(self, element: JSON, block: JSON) -> str:
        kind = element.get("type")
        if kind == "button":
            button = next(b for b in iter_buttons([block]) if b.element is element)
            self.buttons.append(button)
            suffix = f" ({button.url})" if button.url else ""
            return f"[{len(self.buttons)}] {button.label}{suffix}"
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        if kind in ("plain_text", "mrkdwn"):
            return self.text(element)
        placeholder = self.text(element.get("placeholder"))
        if "select" in str(kind) or kind == "overflow":
            return f"[{placeholder or 'choose'} ▾]"
        if str(kind).endswith("input"):
            return f"[{placeholder or '______'}]"
        return f"[{placeholder or str(kind).replace('_', ' ')}]"

    def block(self, block: JSON) -> None:
        kind = block.get("type")
        handler = getattr(self, f"block_{kind}", None)
        if handler is None:
            self.lines.append(f"[{kind} block]")
        else:
            handler(block)

    def block_header(self, block: JSON) -> None:
        title = self.text(block.get("text"))
        self.lines.extend([title, "=" * len(title)])

    def block_section(self, block: JSON) -> None:
        if "text" in block:
            self.lines.append(self.text(block["text"]))
        for item in block.get("fields") or []:
            self.lines.append("  " + " ".join(self.text(item).splitlines()))
        accessory = block.get("accessory")
        if isinstance(accessory, dict):
            self.lines.append("  " + self.element(accessory, block))

    def block_divider(self, block: JSON) -> None:
        self.lines.append(RULE)

    def block_context(self, block: JSON) -> None:
        parts = [self.element(e, block) for e in block.get("elements") or [] if isinstance(e, dict)]
        self.lines.append("  " + " · ".join(part for part in parts if part))

    def block_actions(self, block: JSON) -> None:
        parts = [self.element(e, block) for e in block.get("elements") or [] if isinstance(e, dict)]
        self.lines.append("  ".join(parts))

    block_context_actions = block_actions

    def block_image(self, block: JSON) -> None:
        title = self.text(block.get("title")) or str(block.get("alt_text", ""))
        self.lines.append(f"[image: {title}] {block.get('image_url', '')}".rstrip())

    def block_input(self, block: JSON) -> None:
        label = self.text(block.get("label"))
        element = block.get("element") if isinstance(block.get("element"), dict) else {}
        optional = " (optional)" if block.get("optional") else ""
        self.lines.append(f"{label}{optional}: {self.element(element or {}, block)}")
        if block.get("hint"):
            self.lines.append("  " + self.text(block["hint"]))

    def block_markdown(self, block: JSON) -> None:
        self.lines.append(str(block.get("text", "")))

    def block_rich_text(self, block: JSON) -> None:
        for part in block.get("elements") or []:
            if part.get("type") == "rich_text_list":
                for item in part.get("elements") or []:
                    self.lines.append("• " + self.rich(item.get("elements") or []))
            else:
                self.lines.append(self.rich(part.get("elements") or []))

    def rich(self, elements: list[JSON]) -> str:
        out: list[str] = []
        for element in elements:
            kind = element.get("type")
            if kind == "user":
                user_id = str(element.get("user_id", ""))
                out.append("@" + self.users.get(user_id, user_id))
            elif kind == "channel":
                channel_id = str(element.get("channel_id", ""))
                out.append("#" + self.channels.get(channel_id, channel_id))
            elif kind == "link":
                url, label = element.get("url", ""), element.get("text")
                out.append(f"{label} ({url})" if label else str(url))
            elif kind == "emoji":
                out.append(f":{element.get('name', '')}:")
            else:
                out.append(str(element.get("text", "")))
        return "".join(out)


def render_blocks(
    blocks: list[JSON] | None,
    *,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> Rendered:
    renderer = _Renderer(users or {}, channels or {})
    for block in blocks or []:
        if isinstance(block, dict):
            renderer.block(block)
    return Rendered("\n".join(renderer.lines), renderer.buttons)


def render_message(
    message: Message | JSON,
    *,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> Rendered:
    """A message's blocks, or its text when it has none (Slack shows text only then)."""
    data = message.to_slack("") if isinstance(message, Message) else message
    blocks = data.get("blocks")
    if blocks:
        return render_blocks(blocks, users=users, channels=channels)
    return Rendered(mrkdwn_to_text(str(data.get("text", "")), users, channels))


def render_view(
    view: View | JSON,
    *,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> Rendered:
    """A modal or home tab: its title, its blocks, and what its submit button says."""
    spec = view.spec if isinstance(view, View) else view
    body = render_blocks(spec.get("blocks"), users=users, channels=channels)
    title = spec.get("title", {}).get("text", "") if isinstance(spec.get("title"), dict) else ""
    lines = [f"[ {title} ]"] if title else []
    if body.text:
        lines.append(body.text)
    submit = spec.get("submit")
    if isinstance(submit, dict):
        lines.append(f"< {submit.get('text', 'Submit')} >")
    return Rendered("\n".join(lines), body.buttons)
