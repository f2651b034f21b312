"""The batch's message in its thread, rendered from the database every time (queue truth)."""

from __future__ import annotations

from typing import Any

from bot.registry import ACTION_APPROVE_PLAN, ACTION_CANCEL_PLAN, ACTION_RETRY_RESEARCH
from bot.slack_text import (
    BLOCKS_PER_MESSAGE,
    button,
    clip,
    context,
    divider,
    escape,
    progress_bar,
    section,
    user,
)
from intake.runner import CLARIFY_PREFIX
from tracker.views import BatchView, TicketView

STATUS_ICON = {
    "draft": ":memo:",
    "open": ":white_circle:",
    "active": ":large_blue_circle:",
    "blocked": ":no_entry:",
    "human_gated": ":raised_hand:",
    "done": ":white_check_mark:",
    "cancelled": ":heavy_multiplication_x:",
}
# Room for the header, context, divider, summary and actions around the ticket sections.
MAX_TICKET_SECTIONS = BLOCKS_PER_MESSAGE - 8


def batch_headline(batch: BatchView) -> str:
    state = {
        "received": "researching…",
        "researching": "researching…",
        "planned": f"plan ready: {batch.total} tickets",
        "approved": f"approved · {batch.finished}/{batch.total} finished",
        "done": f"done ✔ · {batch.finished}/{batch.total}",
        "cancelled": "cancelled",
        "research_failed": "needs more detail"
        if (batch.research_error or "").startswith(CLARIFY_PREFIX)
        else "research failed",
    }.get(batch.status, batch.status)
    return f"{batch.id} · {escape(batch.title)} · {state}"


def batch_blocks(batch: BatchView, tickets: list[TicketView]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [section(f"*{batch_headline(batch)}*")]
    if batch.status in ("received", "researching"):
        blocks.append(
            context(
                f"Requested by {user(batch.requested_by)} · reading the codebase and writing a plan"
            )
        )
        return blocks
    if batch.status == "research_failed":
        error = batch.research_error or "unknown error"
        if error.startswith(CLARIFY_PREFIX):
            question = error.removeprefix(CLARIFY_PREFIX)
            blocks.append(section(f":speech_balloon: {escape(question)}"))
            blocks.append(
                context("Reply in this thread and mention me with the details; I will plan again.")
            )
            return blocks
        blocks.append(section(f":warning: {escape(error)}"))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"research:{batch.id}",
                "elements": [button("Retry", ACTION_RETRY_RESEARCH, batch.id, style="primary")],
            }
        )
        return blocks
    if batch.status in ("approved", "done"):
        bar = progress_bar(batch.finished, batch.total)
        blocks.append(
            context(
                f"`{bar}` {batch.finished}/{batch.total} · approved by {user(batch.approved_by)}"
                + (f" at {batch.approved_at:%Y-%m-%d %H:%M} UTC" if batch.approved_at else "")
            )
        )
    elif batch.status == "cancelled":
        blocks.append(context("Cancelled: no ticket of this batch will be handed out"))
    else:
        blocks.append(
            context(
                f"Requested by {user(batch.requested_by)} · approve to open the tickets for workers"
            )
        )
    blocks.append(divider())
    blocks += [ticket_section(t) for t in tickets[:MAX_TICKET_SECTIONS]]
    if len(tickets) > MAX_TICKET_SECTIONS:
        hidden = len(tickets) - MAX_TICKET_SECTIONS
        blocks.append(context(f"…and {hidden} more: `/foreman status {batch.id}`"))
    if batch.status == "planned":
        blocks.append(plan_actions(batch.id))
    return blocks


def ticket_section(ticket: TicketView) -> dict[str, Any]:
    icon = STATUS_ICON.get(ticket.status, "")
    lines = [f"{icon} *{ticket.id} · {escape(ticket.title)}*"]
    facts = [f"lane {escape(ticket.lane)}"]
    if ticket.depends_on:
        facts.append("depends on " + ", ".join(ticket.depends_on))
    if ticket.claim is not None:
        facts.append(f"claimed by {escape(ticket.claim.worker)}")
    lines.append(" · ".join(facts))
    for hook in ticket.file_hooks[:6]:
        new = " (new)" if hook.get("new") else ""
        why = clip(str(hook.get("why", "")), 160)
        lines.append(f"• `{escape(str(hook.get('path')))}`{new}: {escape(why)}")
    if len(ticket.file_hooks) > 6:
        lines.append(f"• …{len(ticket.file_hooks) - 6} more hooks")
    for question in ticket.open_questions[:3]:
        lines.append(f":question: {escape(clip(question, 300))}")
    return section("\n".join(lines))


def plan_actions(batch_ref: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": f"plan:{batch_ref}",
        "elements": [
            button("Approve plan", ACTION_APPROVE_PLAN, batch_ref, style="primary"),
            button(
                "Cancel",
                ACTION_CANCEL_PLAN,
                batch_ref,
                style="danger",
                confirm={
                    "title": {"type": "plain_text", "text": "Cancel this batch?"},
                    "text": {
                        "type": "plain_text",
                        "text": f"{batch_ref} and its tickets will be cancelled.",
                    },
                    "confirm": {"type": "plain_text", "text": "Cancel batch"},
                    "deny": {"type": "plain_text", "text": "Keep it"},
                },
            ),
        ],
    }


def batch_fallback_text(batch: BatchView) -> str:
    """The notification text (plain, no markup that could ping)."""
    return clip(batch_headline(batch), 300)
