"""The digest's sections as lines, in their fixed order, each omitted when it has nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.digest.model import Digest, NextInBatch, Progress, Risk, Shipped, Waiting
from bot.digest.style import Style, age, day, proof_label
from bot.slack_text import clip, progress_bar

# Long sections end in "and N more"; this many lines of each are shown.
MAX_LINES = 15


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    lines: list[str]
    # Where a terminal user sees what "and N more" left out (Slack points to /foreman status).
    cli_hint: str


def header(digest: Digest) -> str:
    return f"Foreman · daily digest · {day(digest.local_date)}"


def late_note(digest: Digest, style: Style) -> str | None:
    if digest.late_for is None:
        return None
    return f"late: the bot was down at {style.when(digest.late_for)}"


def coverage_note(digest: Digest, style: Style) -> str:
    return f"since {style.when(digest.since)} ({digest.timezone})"


def quiet_line(digest: Digest, style: Style) -> str:
    late = late_note(digest, style)
    return (
        f"{header(digest)} · a quiet day: nothing shipped, nothing waiting on people, "
        f"no risks, nothing ready" + (f" ({late})" if late else "")
    )


def sections(digest: Digest, style: Style) -> list[Section]:
    ready = sum(n.ready for n in digest.next)
    found = [
        Section(
            "shipped",
            f"Shipped ({len(digest.shipped)})",
            [shipped_line(s, style) for s in digest.shipped],
            "foreman log",
        ),
        Section(
            "batches",
            "Batch progress",
            [progress_line(p, style) for p in digest.batches],
            "foreman batches",
        ),
        Section(
            "waiting",
            f"Waiting on people ({len(digest.waiting)})",
            [waiting_line(w, style, digest) for w in digest.waiting],
            "foreman asks --open; foreman tickets --status blocked",
        ),
        Section(
            "risks",
            f"Risks ({len(digest.risks)})",
            [risk_line(r, style) for r in digest.risks],
            "foreman validate; foreman log",
        ),
        Section(
            "next",
            f"Next ({ready} ready)",
            [line for n in digest.next for line in next_lines(n, style)],
            "foreman ready",
        ),
    ]
    return [s for s in found if s.lines]


def proof_text(proof: dict[str, Any] | None, style: Style) -> str:
    if not proof:
        return "no proof recorded"
    kind, ref = str(proof.get("kind")), str(proof.get("ref", ""))
    if kind == "cmd":
        return f"{style.code(clip(' '.join(ref.split()), 160))} exit {proof.get('exit')}"
    return style.link(ref, proof_label(kind, ref))


def shipped_line(item: Shipped, style: Style) -> str:
    proof = proof_text(item.proof, style)
    return f"{style.ref(item.ticket)} {style.text(item.title, 120)} — proof: {proof}"


def progress_line(item: Progress, style: Style) -> str:
    bar = style.bar(progress_bar(item.finished, item.total))
    parts = [
        f"{bar} {style.ref(item.batch)} {style.text(item.title, 80)}",
        f"{item.finished}/{item.total}",
    ]
    if item.due_at is not None:
        parts.append(f"due {day(item.due_at.astimezone(style.tz).date())}")
    oracle = "done ✔" if item.oracle_done else f"not done: {style.text(item.oracle_why, 160)}"
    parts.append(f"oracle: {oracle}")
    return " · ".join(parts)


def _people(people: list[str], style: Style, shown: int = 5) -> str:
    if not people:
        return "anyone"
    names = ", ".join(style.who(p) for p in people[:shown])
    return names + (f" and {len(people) - shown} more" if len(people) > shown else "")


def waiting_line(item: Waiting, style: Style, digest: Digest) -> str:
    ref = style.ref(item.ref)
    if item.kind == "ask":
        parts = [
            f"{ref} {style.text(item.detail, 30)}: {style.text(item.title, 150)}",
            f"waiting on {_people(item.people, style)}",
        ]
        if item.since is not None:
            parts.append(f"open {age(digest.until - item.since)}")
    else:
        parts = [f"{ref} {style.text(item.title, 100)}", style.text(item.detail, 200)]
        if item.since is not None:
            parts.append(f"since {style.when(item.since)}")
    if item.blocks:
        shown = ", ".join(item.blocks[:6]) + (" …" if len(item.blocks) > 6 else "")
        parts.append(f"blocks {shown}")
    return " · ".join(parts)


def risk_line(item: Risk, style: Style) -> str:
    line = f"{style.ref(item.subject)} {style.text(item.summary, 300)}"
    if item.people:
        line += f" · waiting on {_people(item.people, style)}"
    return line


def next_lines(item: NextInBatch, style: Style) -> list[str]:
    lines = [
        f"{style.ref(t.ticket)} {style.text(t.title, 120)} (ready, lane {style.text(t.lane, 30)})"
        for t in item.top
    ]
    if item.ready > len(item.top):
        lines.append(f"…and {item.ready - len(item.top)} more ready in {style.ref(item.batch)}")
    return lines
