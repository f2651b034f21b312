"""The digest as terminal text and as a Slack message within Block Kit's limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest.lines import (
    MAX_LINES,
    Section,
    coverage_note,
    header,
    late_note,
    quiet_line,
    sections,
)
from bot.digest.model import Digest
from bot.digest.style import SlackStyle, Style
from bot.slack_text import BLOCKS_PER_MESSAGE, SECTION_LIMIT, clip, context, section

# Under Slack's 3,000 characters a section, with room for the "and N more" line.
_PACK_LIMIT = SECTION_LIMIT - 200
_BLOCKS_PER_SECTION = 4
_SLACK_POINTER = "`/foreman status`"


def _zone(digest: Digest) -> ZoneInfo:
    return ZoneInfo(digest.timezone)


def digest_text(digest: Digest) -> str:
    style = Style(_zone(digest), digest.local_date)
    if digest.quiet:
        return quiet_line(digest, style)
    notes = [coverage_note(digest, style)]
    late = late_note(digest, style)
    if late:
        notes.append(late)
    out = [header(digest), " · ".join(notes)]
    for part in sections(digest, style):
        out.append(part.title)
        bullet = "  " if part.key == "batches" else "  • "
        out += [bullet + line for line in part.lines[:MAX_LINES]]
        hidden = len(part.lines) - MAX_LINES
        if hidden > 0:
            out.append(f"  …and {hidden} more ({part.cli_hint})")
    return "\n".join(out)


def digest_blocks(digest: Digest, names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    style = SlackStyle(_zone(digest), digest.local_date, names)
    if digest.quiet:
        return [section(quiet_line(digest, style))]
    notes = [coverage_note(digest, style)]
    late = late_note(digest, style)
    if late:
        notes.append(f":warning: {late}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(header(digest), 150)}},
        context(" · ".join(notes)),
    ]
    for part in sections(digest, style):
        blocks += _section_blocks(part)
    return blocks[:BLOCKS_PER_MESSAGE]


def _section_blocks(part: Section) -> list[dict[str, Any]]:
    bullet = "" if part.key == "batches" else "• "
    chunks: list[list[str]] = [[f"*{part.title}*"]]
    size = len(chunks[0][0])
    shown = 0
    for line in part.lines[:MAX_LINES]:
        entry = clip(bullet + line, _PACK_LIMIT)
        if size + len(entry) + 1 > _PACK_LIMIT:
            if len(chunks) == _BLOCKS_PER_SECTION:
                break
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += len(entry) + 1
        shown += 1
    hidden = len(part.lines) - shown
    if hidden > 0:
        chunks[-1].append(f"…and {hidden} more: {_SLACK_POINTER}")
    return [section("\n".join(chunk)) for chunk in chunks]


def digest_fallback(digest: Digest) -> str:
    """The notification text: counts only, so nothing in it can ping or leak markup."""
    head = header(digest)
    if digest.quiet:
        return f"{head}: a quiet day"
    counts = [
        f"{len(digest.shipped)} shipped",
        f"{len(digest.waiting)} waiting on people",
        f"{len(digest.risks)} risks",
        f"{sum(n.ready for n in digest.next)} ready",
    ]
    return f"{head}: " + ", ".join(counts) + (" (late)" if digest.late_for else "")
