"""The ask card's buttons: Approve, Deny… (a modal for the reason), Answer… and Full evidence.

Every decision goes through `Escalations`, the same code path as `foreman ask`: the right
person, exactly once. Whoever loses a race or may not decide is told so, privately, and
nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.listeners.registrar import Registrar
from bot.registry import (
    ACTION_ASK_ANSWER,
    ACTION_ASK_APPROVE,
    ACTION_ASK_DENY,
    ACTION_ASK_EVIDENCE,
    VIEW_ASK_ANSWER,
    VIEW_ASK_DENY,
)
from bot.services import Services
from bot.views.ask_card import (
    CardContext,
    answer_modal,
    deny_modal,
    evidence_modal,
    mention,
    read_metadata,
)
from escalation.ask_model import AlreadyDecided, AskDetail, AskExpired, NotAllowed, Verdict
from escalation.redact import redact
from tracker.errors import TrackerError

log = logging.getLogger("foreman.asks")

REASON_REQUIRED = "Say why: the reason is kept on the ticket for whoever picks it up."
ModalBuilder = Callable[[AskDetail, str | None], dict[str, Any]]


def refusal_text(exc: TrackerError, ctx: CardContext) -> str:
    """What a person is told when their click decided nothing."""
    if isinstance(exc, AskExpired):
        return (
            f":hourglass: {exc.ask.id} expired without a decision, so nothing was approved. "
            "If it is still needed, the wall has to be raised again. Nothing changed."
        )
    if isinstance(exc, AlreadyDecided):
        ask = exc.ask
        when = f" at {ctx.long(ask.decided_at)}" if ask.decided_at else ""
        by = f" by {mention(ask.decided_by)}" if ask.decided_by else ""
        return f"{ask.id} was already {ask.status}{by}{when}. Nothing changed."
    if isinstance(exc, NotAllowed):
        if exc.why:
            return f"{exc.ref}: {exc.why}"
        who = " or ".join(mention(d) for d in exc.deciders)
        if not who:
            return f"Nobody is named to decide {exc.ref} (set FOREMAN_APPROVERS). Nothing changed."
        return f"Only {who} can decide {exc.ref}. Nothing changed."
    return f":warning: {redact(str(exc))}"


class AskButtons:
    """What each click and modal does; `register` wires them to Bolt."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.presenter = services.asks  # built now, once, not lazily on a listener thread
        self.escalations = services.escalations

    def tell(self, channel: str | None, user: str, text: str) -> None:
        try:
            if channel:
                self.services.client.chat_postEphemeral(channel=channel, user=user, text=text)
            else:
                self.services.client.chat_postMessage(channel=user, text=text)
        except SlackApiError as exc:
            log.warning("could not tell %s: %s", user, exc.response.get("error"))

    def refresh(self, ref: str) -> None:
        try:
            self.presenter.refresh(ref)
        except Exception:
            log.exception("re-rendering %s failed; the projector retries", ref)

    def refused(self, channel: str | None, user: str, exc: TrackerError) -> None:
        self.tell(channel, user, refusal_text(exc, self.presenter.context))

    def decide(self, ref: str, verdict: Verdict, user: str, channel: str | None, note: str) -> None:
        try:
            self.escalations.decide(ref, verdict, by=user, note=note or None)
        except TrackerError as exc:
            self.refused(channel, user, exc)
        self.refresh(ref)

    def answer(self, ref: str, user: str, channel: str | None, text: str) -> None:
        try:
            self.escalations.answer(ref, by=user, text=text)
        except TrackerError as exc:
            self.refused(channel, user, exc)
        self.refresh(ref)

    def open_modal(self, body: dict[str, Any], verdict: Verdict, build: ModalBuilder) -> None:
        ref, user, channel = clicked(body)
        try:
            ask = self.escalations.check_may_decide(ref, by=user, verdict=verdict)
        except TrackerError as exc:
            self.refused(channel, user, exc)
            self.refresh(ref)
            return
        self.services.client.views_open(trigger_id=body["trigger_id"], view=build(ask, channel))

    def show_evidence(self, body: dict[str, Any]) -> None:
        ref, user, channel = clicked(body)
        ask = self.escalations.ask(ref)
        try:
            self.services.client.views_open(trigger_id=body["trigger_id"], view=evidence_modal(ask))
        except SlackApiError:
            # An expired trigger (a slow click) still deserves the evidence, as text.
            self.tell(channel, user, f"*{ask.id} evidence*\n```{ask.evidence[:3500]}```")


def clicked(body: dict[str, Any]) -> tuple[str, str, str | None]:
    """(ask ref, who clicked, the channel the card is in)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return str(body["actions"][0]["value"]), body["user"]["id"], channel


def submitted(view: dict[str, Any], block: str) -> str:
    value = view.get("state", {}).get("values", {}).get(block, {}).get(block, {})
    return str(value.get("value") or "").strip()


def register(reg: Registrar, services: Services) -> None:
    buttons = AskButtons(services)

    @reg.action(ACTION_ASK_APPROVE)
    def on_approve(ack: Any, body: dict[str, Any]) -> None:
        ack()
        ref, user, channel = clicked(body)
        buttons.decide(ref, "approve", user, channel, "")

    @reg.action(ACTION_ASK_DENY)
    def on_deny(ack: Any, body: dict[str, Any]) -> None:
        ack()
        buttons.open_modal(body, "deny", deny_modal)

    @reg.action(ACTION_ASK_ANSWER)
    def on_answer(ack: Any, body: dict[str, Any]) -> None:
        ack()
        buttons.open_modal(body, "approve", answer_modal)

    @reg.action(ACTION_ASK_EVIDENCE)
    def on_evidence(ack: Any, body: dict[str, Any]) -> None:
        ack()
        buttons.show_evidence(body)

    @reg.view(VIEW_ASK_DENY)
    def on_deny_reason(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = submitted(view, "reason")
        if not reason:
            ack(response_action="errors", errors={"reason": REASON_REQUIRED})
            return
        ack()
        ref, channel = read_metadata(view)
        buttons.decide(ref, "deny", body["user"]["id"], channel, reason)

    @reg.view(VIEW_ASK_ANSWER)
    def on_answer_text(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        answer = submitted(view, "answer")
        if not answer:
            ack(response_action="errors", errors={"answer": "The answer cannot be empty."})
            return
        ack()
        ref, channel = read_metadata(view)
        buttons.answer(ref, body["user"]["id"], channel, answer)
