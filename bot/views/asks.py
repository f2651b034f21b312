"""Listings of asks (the card itself comes with escalation)."""

from __future__ import annotations

from datetime import datetime

from bot.slack_text import clip, escape, user
from escalation.ask_model import AskDetail


def ask_line(ask: AskDetail, now: datetime | None = None) -> str:
    age = ""
    if now is not None:
        hours = int((now - ask.first_seen).total_seconds() // 3600)
        age = f" · open {hours} h"
    # The people who may actually decide: named approvers, else FOREMAN_APPROVERS, else the
    # requester.
    who = ", ".join(user(a) for a in ask.deciders) or "nobody yet (set FOREMAN_APPROVERS)"
    blocks = f" · blocks {', '.join(ask.blocks)}" if ask.blocks else ""
    return (
        f"• *{ask.id}* {ask.kind}: {escape(clip(ask.action, 200))} · waiting on {who}{blocks}{age}"
    )


def asks_list_text(asks: list[AskDetail], now: datetime | None = None) -> str:
    if not asks:
        return "No open asks: nothing is waiting on people."
    lines = [ask_line(a, now) for a in asks[:40]]
    more = f"\n…and {len(asks) - 40} more (`foreman asks --open`)" if len(asks) > 40 else ""
    return "*Open asks*\n" + "\n".join(lines) + more
