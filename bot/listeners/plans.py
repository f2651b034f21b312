"""The plan message's buttons: Approve plan, Cancel, and Retry when research failed."""

from __future__ import annotations

import logging
from typing import Any

from bot.listeners.intake import wake_research
from bot.listeners.registrar import Registrar
from bot.registry import ACTION_APPROVE_PLAN, ACTION_CANCEL_PLAN, ACTION_RETRY_RESEARCH
from bot.services import Services
from bot.slack_text import user
from tracker.errors import TrackerError
from tracker.views import BatchView

log = logging.getLogger("foreman.plans")


def may_decide(services: Services, batch: BatchView, user_id: str) -> bool:
    """The requester, or anyone in FOREMAN_APPROVERS; anyone at all when neither is known."""
    allowed = set(services.settings.approvers)
    if batch.requested_by:
        allowed.add(batch.requested_by)
    return not allowed or user_id in allowed


def _who_may(services: Services, batch: BatchView) -> str:
    people = [batch.requested_by, *services.settings.approvers]
    return " or ".join(user(p) for p in dict.fromkeys(p for p in people if p))


def register(reg: Registrar, services: Services) -> None:
    def tell(body: dict[str, Any], text: str) -> None:
        services.client.chat_postEphemeral(
            channel=body["channel"]["id"], user=body["user"]["id"], text=text
        )

    @reg.action(ACTION_APPROVE_PLAN)
    def on_approve(ack: Any, body: dict[str, Any]) -> None:
        ack()
        ref, user_id = body["actions"][0]["value"], body["user"]["id"]
        batch = services.tracker.batch(ref)
        if batch.approved_by:
            tell(
                body,
                f"{ref} is already approved (by {user(batch.approved_by)} at "
                f"{batch.approved_at:%Y-%m-%d %H:%M} UTC). Nothing changed.",
            )
        elif not may_decide(services, batch, user_id):
            tell(body, f"Only {_who_may(services, batch)} can approve {ref}. Nothing changed.")
        else:
            try:
                approval = services.tracker.approve(ref, actor=user_id)
            except TrackerError as exc:
                latest = services.tracker.batch(ref)
                if latest.approved_by:  # lost a race with another click: say who won
                    tell(
                        body,
                        f"{ref} is already approved (by {user(latest.approved_by)}). "
                        "Nothing changed.",
                    )
                else:
                    tell(body, f":warning: {exc}")
            else:
                if approval.kept_draft:
                    # Tickets held back by open questions: ask them, each as its own card.
                    services.escalations.raise_clarifications(ref, actor="foreman")
        services.presenter.refresh(ref)

    @reg.action(ACTION_RETRY_RESEARCH)
    def on_retry(ack: Any, body: dict[str, Any]) -> None:
        ack()
        ref, user_id = body["actions"][0]["value"], body["user"]["id"]
        batch = services.tracker.batch(ref)
        if not may_decide(services, batch, user_id):
            tell(body, f"Only {_who_may(services, batch)} can retry {ref}. Nothing changed.")
            return
        try:
            services.tracker.retry_research(ref, actor=user_id)
        except TrackerError:
            latest = services.tracker.batch(ref)
            tell(body, f"{ref} is {latest.status} already: nothing to retry.")
        services.presenter.refresh(ref)
        wake_research(services)

    @reg.action(ACTION_CANCEL_PLAN)
    def on_cancel(ack: Any, body: dict[str, Any]) -> None:
        ack()
        ref, user_id = body["actions"][0]["value"], body["user"]["id"]
        batch = services.tracker.batch(ref)
        if not may_decide(services, batch, user_id):
            tell(body, f"Only {_who_may(services, batch)} can cancel {ref}. Nothing changed.")
            return
        try:
            services.tracker.cancel(ref, actor=user_id, reason=f"cancelled from Slack by {user_id}")
        except TrackerError as exc:
            tell(body, f":warning: {exc}")
        services.presenter.refresh(ref)
