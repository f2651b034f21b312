"""The ask card: what a busy person needs to decide in ten seconds, and its modals.

Every text on the card comes from the database, where it is stored redacted; it is escaped
here so a pasted `<!channel>` is shown, not acted on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.registry import (
    ACTION_ASK_ANSWER,
    ACTION_ASK_APPROVE,
    ACTION_ASK_DENY,
    ACTION_ASK_EVIDENCE,
    VIEW_ASK_ANSWER,
    VIEW_ASK_DENY,
)
from bot.slack_text import button, clip, context, escape, section
from escalation.ask_model import AskDetail, Reminder

PREVIEW_LINES = 6
PREVIEW_CHARS = 600
_MODAL_CHUNK = 2_900
_MODAL_BLOCKS = 45

KINDS: dict[str, tuple[str, str]] = {
    "credential": (":key:", "CREDENTIAL NEEDED"),
    "permission": (":lock:", "PERMISSION NEEDED"),
    "decision": (":scales:", "DECISION NEEDED"),
    "clarification": (":question:", "QUESTION"),
    "access": (":door:", "ACCESS NEEDED"),
}
OUTCOMES: dict[str, tuple[str, str]] = {
    "approved": (":white_check_mark:", "Approved"),
    "denied": (":no_entry:", "Denied"),
    "expired": (":hourglass:", "Expired"),
    "cancelled": (":heavy_multiplication_x:", "Cancelled"),
}


@dataclass(frozen=True)
class CardContext:
    """What the card needs beyond the ask: the configured approvers and the local time zone."""

    configured_approvers: tuple[str, ...] = ()
    timezone: str = "UTC"

    def local(self, when: datetime) -> datetime:
        try:
            return when.astimezone(ZoneInfo(self.timezone))
        except (KeyError, ValueError):
            return when

    def short(self, when: datetime) -> str:
        return f"{self.local(when):%a %H:%M}"

    def long(self, when: datetime) -> str:
        local = self.local(when)
        return f"{local:%a %d %b %H:%M} {local.tzname() or 'UTC'}"


def mention(who: str) -> str:
    if who[:1] in ("U", "W") and who[1:].isalnum():
        return f"<@{who}>"
    if who[:1] == "S" and who[1:].isalnum():
        return f"<!subteam^{who}>"
    return escape(who)


def waiting_on(ask: AskDetail, ctx: CardContext) -> str:
    """Who may decide, as Slack shows it (a group as the group, not its members)."""
    people = ask.approvers or list(ctx.configured_approvers)
    if not people and ask.requested_by:
        people = [ask.requested_by]
    if not people:
        return "nobody is named: set FOREMAN_APPROVERS"
    return ", ".join(mention(p) for p in people)


def seen_text(ask: AskDetail, ctx: CardContext) -> str:
    if ask.occurrences > 1:
        return (
            f"seen {ask.occurrences}× since {ctx.short(ask.first_seen)} · "
            f"last {ctx.short(ask.last_seen)}"
        )
    return f"raised {ctx.short(ask.first_seen)}"


def evidence_preview(evidence: str) -> tuple[str, bool]:
    """The first lines of the evidence, and whether there is more to see."""
    lines = evidence.strip().splitlines()
    shown = "\n".join(lines[:PREVIEW_LINES])
    clipped = clip(shown, PREVIEW_CHARS)
    return clipped, len(lines) > PREVIEW_LINES or clipped != shown


def _code(text: str) -> str:
    return "```" + escape(text).replace("```", "'''") + "```"


def card_text(ask: AskDetail) -> str:
    label = KINDS.get(ask.kind, ("", ask.kind.upper()))[1].lower()
    state = "" if ask.is_open else f" [{ask.status}]"
    return clip(f"{ask.id} · {label}{state}: {ask.action}", 300)


def _headline(ask: AskDetail) -> str:
    icon, label = KINDS.get(ask.kind, (":grey_question:", ask.kind.upper()))
    where = f"blocks {', '.join(ask.blocks)}" if ask.blocks else ""
    if not where and ask.pipeline:
        where = f"pipeline {escape(ask.pipeline)}"
    return " · ".join(p for p in (f"{icon} *{label}*", ask.id, where) if p)


def card_blocks(ask: AskDetail, ctx: CardContext) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        section(_headline(ask)),
        section(f"*{escape(clip(ask.action, 500))}*"),
    ]
    if ask.why:
        blocks.append(section(f"*Why:* {escape(clip(ask.why, 1500))}"))
    if ask.evidence:
        preview, more = evidence_preview(ask.evidence)
        evidence = section(f"*Evidence:*\n{_code(preview)}")
        if more:
            evidence["accessory"] = button("Full evidence", ACTION_ASK_EVIDENCE, ask.id)
        blocks.append(evidence)
    if ask.tried:
        blocks.append(section(f"*Tried:* {escape(clip(ask.tried, 1500))}"))
    notes = [f"Waiting on: {waiting_on(ask, ctx)}", seen_text(ask, ctx)]
    if ask.reminders_sent:
        notes.append(f"reminded {ask.reminders_sent}×")
    blocks.append(context(" · ".join(notes)))
    blocks.append(_actions(ask) if ask.is_open else section(decision_text(ask, ctx)))
    return blocks


def _actions(ask: AskDetail) -> dict[str, Any]:
    if ask.is_question:
        elements = [button("Answer…", ACTION_ASK_ANSWER, ask.id, style="primary")]
    else:
        elements = [
            button("Approve", ACTION_ASK_APPROVE, ask.id, style="primary"),
            button("Deny…", ACTION_ASK_DENY, ask.id, style="danger"),
        ]
    return {"type": "actions", "block_id": f"ask:{ask.id}", "elements": elements}


def decision_text(ask: AskDetail, ctx: CardContext) -> str:
    icon, label = OUTCOMES.get(ask.status, (":grey_question:", ask.status))
    if ask.status == "approved" and ask.is_question:
        label = "Answered"
    when = f" · {ctx.long(ask.decided_at)}" if ask.decided_at else ""
    if ask.status == "expired":
        return f"{icon} *{label}*{when}: no decision in time, so nothing was approved."
    by = f" by {mention(ask.decided_by)}" if ask.decided_by else ""
    note = f"\n> {escape(clip(ask.note, 1500))}" if ask.note else ""
    return f"{icon} *{label}*{by}{when}{note}"


def evidence_modal(ask: AskDetail) -> dict[str, Any]:
    text = ask.evidence or "(no evidence was given)"
    chunks = [text[i : i + _MODAL_CHUNK] for i in range(0, len(text), _MODAL_CHUNK)]
    blocks = [section(f"*{escape(clip(ask.action, 500))}*")]
    blocks += [section(_code(chunk)) for chunk in chunks[:_MODAL_BLOCKS]]
    if len(chunks) > _MODAL_BLOCKS:
        blocks.append(
            context(f"Longer than a modal holds: `foreman asks --json` has all of {ask.id}.")
        )
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": clip(f"Evidence {ask.id}", 24)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }


def _input_modal(
    callback_id: str, title: str, submit: str, prompt: str, block_id: str, label: str, meta: str
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": meta,
        "title": {"type": "plain_text", "text": clip(title, 24)},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(prompt),
            {
                "type": "input",
                "block_id": block_id,
                "label": {"type": "plain_text", "text": label},
                "element": {
                    "type": "plain_text_input",
                    "action_id": block_id,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }


def modal_metadata(ref: str, channel: str | None) -> str:
    return json.dumps({"ask": ref, "channel": channel})


def read_metadata(view: dict[str, Any]) -> tuple[str, str | None]:
    meta = json.loads(view.get("private_metadata") or "{}")
    return str(meta.get("ask", "")), meta.get("channel")


def deny_modal(ask: AskDetail, channel: str | None) -> dict[str, Any]:
    return _input_modal(
        VIEW_ASK_DENY,
        f"Deny {ask.id}",
        "Deny",
        f"*{escape(clip(ask.action, 500))}*\nThe reason is kept on "
        + (", ".join(ask.blocks) or "the ask")
        + ", which becomes human-gated.",
        "reason",
        "Why not?",
        modal_metadata(ask.id, channel),
    )


def answer_modal(ask: AskDetail, channel: str | None) -> dict[str, Any]:
    return _input_modal(
        VIEW_ASK_ANSWER,
        f"Answer {ask.id}",
        "Answer",
        f"*{escape(clip(ask.action, 500))}*\nThe answer is written into "
        + (", ".join(ask.blocks) or "the ticket")
        + ".",
        "answer",
        "Your answer",
        modal_metadata(ask.id, channel),
    )


def reminder_text(reminder: Reminder, ctx: CardContext, of: int) -> str:
    ask = reminder.ask
    blocks = f" It blocks {', '.join(ask.blocks)}." if ask.blocks else ""
    return (
        f"{waiting_on(ask, ctx)}: reminder {reminder.number} of {of}: *{ask.id}* still needs a "
        f"decision: {escape(clip(ask.action, 300))}.{blocks}"
    )
