"""Every Slack entry point Foreman registers, in one place: the manifest test reads it."""

from __future__ import annotations

EVENTS = ("app_mention", "message", "app_home_opened")
# Slack subscription names for EVENTS (a `message` listener serves `message.im`).
BOT_EVENT_SUBSCRIPTIONS = ("app_mention", "message.im", "app_home_opened")
COMMAND = "/foreman"
SHORTCUT_SEND = "send_to_foreman"

ACTION_APPROVE_PLAN = "approve_plan"
ACTION_CANCEL_PLAN = "cancel_plan"
ACTION_RETRY_RESEARCH = "retry_research"
ACTION_ASK_APPROVE = "ask_approve"
ACTION_ASK_DENY = "ask_deny"
ACTION_ASK_ANSWER = "ask_answer"
ACTION_ASK_EVIDENCE = "ask_evidence"
ASK_ACTIONS = (ACTION_ASK_APPROVE, ACTION_ASK_DENY, ACTION_ASK_ANSWER, ACTION_ASK_EVIDENCE)
ACTIONS = (ACTION_APPROVE_PLAN, ACTION_CANCEL_PLAN, ACTION_RETRY_RESEARCH, *ASK_ACTIONS)

# Modals (view callback ids): the reason for a denial, the answer to a question.
VIEW_ASK_DENY = "ask_deny_reason"
VIEW_ASK_ANSWER = "ask_answer_text"
