"""The digest scheduler wired to the emulator and a real database, and a reader for what it
posted: sections by title, each line with the reference it is about."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.digest.schedule import zone
from bot.digest.scheduler import DigestScheduler
from bot.emulator import SlackEmulator
from bot.emulator.model import Message
from bot.services import Services, build_services
from tests.support.clock import FakeClock
from tests.support.foreman import foreman_settings

DIGEST_HEADER = "Foreman · daily digest"
_REF = re.compile(r"^(?:• )?(?:`[^`]*` )?\*(FM-\d+(?:\.\d+)?|ASK-\d+)\*")
_TITLE = re.compile(r"^\*([A-Z][a-z ]+?)(?: \(\d+(?: ready)?\))?\*$")


@contextmanager
def digest_services(
    slack: SlackEmulator,
    db_url: str,
    clock: FakeClock,
    *,
    channel: str = "#general",
    at: str = "17:00",
    tz: str = "UTC",
    **overrides: Any,
) -> Iterator[Services]:
    """One bot process's object graph (its own engine) with the digest configured."""
    settings = foreman_settings(
        slack,
        db_url,
        FOREMAN_DIGEST_CHANNEL=channel,
        FOREMAN_DIGEST_TIME=at,
        FOREMAN_TIMEZONE=tz,
        **overrides,
    )
    services = build_services(settings, clock=clock)
    try:
        yield services
    finally:
        services.close()


def scheduler_for(services: Services, **kwargs: Any) -> DigestScheduler:
    settings = services.settings
    assert settings.digest_channel is not None
    return DigestScheduler(
        services.tracker,
        services.client,
        channel=settings.digest_channel,
        at=settings.digest_time,
        tz=zone(settings.timezone),
        clock=services.clock,
        default_approvers=settings.approvers,
        **kwargs,
    )


def digests(slack: SlackEmulator, channel: str = "#general") -> list[Message]:
    return [
        m for m in slack.messages(channel) if m.bot_id and (m.text or "").startswith(DIGEST_HEADER)
    ]


@dataclass
class Line:
    text: str
    ref: str | None


def section_lines(message: Message) -> dict[str, list[Line]]:
    """Section title (without its count) → its lines, as Slack shows the message."""
    found: dict[str, list[Line]] = {}
    current: list[Line] | None = None
    for block in message.blocks or []:
        if block.get("type") != "section":
            continue
        text: str = block["text"]["text"]
        lines = text.split("\n")
        title = _TITLE.match(lines[0])
        if title:
            current = found.setdefault(title.group(1), [])
            lines = lines[1:]
        assert current is not None, f"a section without a title: {text[:80]!r}"
        for line in lines:
            match = _REF.match(line)
            current.append(Line(line, match.group(1) if match else None))
    return found


def refs(lines: list[Line]) -> list[str]:
    return [line.ref for line in lines if line.ref is not None]
