"""Every Slack entry point Foreman registers, in one place: the manifest test reads it."""

from __future__ import annotations

EVENTS = ("app_mention", "message", "app_home_opened")
# Slack subscription names for EVENTS (a `message` listener serves `message.im`).
BOT_EVENT_SUBSCRIPTIONS = ("app_mention", "message.im", "app_home_opened")
COMMAND = "/foreman"
SHORTCUT_SEND = "send_to_foreman"

ACTION_APPROVE_PLAN = "approve_plan"
ACTION_CANCEL_PLAN = "cancel_plan"
ACTIONS = (ACTION_APPROVE_PLAN, ACTION_CANCEL_PLAN)
