"""Short views for `/foreman status`, `ready`, `asks`, `help`, and App Home."""

from __future__ import annotations

from typing import Any

from bot.slack_text import clip, context, divider, escape, progress_bar, section
from bot.views.batch import batch_headline, ticket_section
from tracker.views import BatchView, TicketView

HELP = (
    "*Foreman* turns a request into specified tickets and tracks them to done.\n"
    "• Mention me with what you need, e.g. `@Foreman give us real visibility into the job "
    "runner, and page someone when prod breaks`\n"
    "• `/foreman new TEXT`: the same, from anywhere\n"
    "• `/foreman status [FM-n]`: active batches, or one batch in full\n"
    "• `/foreman ready [FM-n]`: tickets a worker can take now\n"
    "• `/foreman asks`: asks waiting on people\n"
    "• `/foreman digest`: today's digest, posted here\n"
    "• `/foreman help`: this message"
)
EMPTY_MENTION_HELP = (
    "Tell me what you need in the same message, e.g. `@Foreman make sure someone gets paged "
    "when production breaks`. `/foreman help` lists everything I do."
)


def batch_summary_line(batch: BatchView) -> str:
    bar = progress_bar(batch.finished, batch.total)
    title = escape(clip(batch.title, 70))
    return f"`{bar}` *{batch.id}* {title} · {batch.status} · {batch.finished}/{batch.total}"


def status_blocks(batches: list[BatchView]) -> list[dict[str, Any]]:
    if not batches:
        return [section("No active batches. Mention me with a request to start one.")]
    blocks = [section("*Active batches*")]
    blocks += [section(batch_summary_line(b)) for b in batches[:45]]
    if len(batches) > 45:
        blocks.append(context(f"…and {len(batches) - 45} more (`foreman batches` lists all)"))
    return blocks


def batch_status_blocks(batch: BatchView, tickets: list[TicketView]) -> list[dict[str, Any]]:
    blocks = [section(f"*{batch_headline(batch)}*"), divider()]
    blocks += [ticket_section(t) for t in tickets[:45]]
    if len(tickets) > 45:
        blocks.append(
            context(f"…and {len(tickets) - 45} more (`foreman tickets --batch {batch.id}`)")
        )
    return blocks


def ready_blocks(tickets: list[TicketView]) -> list[dict[str, Any]]:
    if not tickets:
        return [section("Nothing is ready right now.")]
    lines = [
        f"• *{t.id}* {escape(clip(t.title, 90))} · lane {escape(t.lane)}" for t in tickets[:60]
    ]
    more = f"\n…and {len(tickets) - 60} more" if len(tickets) > 60 else ""
    return [section("*Ready to work*\n" + "\n".join(lines) + more)]


def home_blocks(asks: list[str], batches: list[BatchView]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Foreman"}},
        section("*Waiting on you*"),
    ]
    blocks += [section(line) for line in asks[:20]] or [context("Nothing waits on you.")]
    blocks += [divider(), section("*Active batches*")]
    blocks += [section(batch_summary_line(b)) for b in batches[:60]] or [
        context("No active batches.")
    ]
    return blocks[:100]
