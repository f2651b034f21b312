"""Keeps each ask's card in Slack in step with the database, and posts its reminders.

A card is posted by exactly one bot process (the one that wins the `card:ASK-n` claim) and
then only ever updated in place; every process may update it, because an update is
idempotent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import defaultdict

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from bot.views.ask_card import CardContext, card_blocks, card_text, reminder_text
from escalation.ask_model import AskDetail, Reminder
from escalation.asks import Escalations

log = logging.getLogger("foreman.asks")


class AskPresenter:
    def __init__(self, escalations: Escalations, client: WebClient, settings: Settings) -> None:
        self.escalations = escalations
        self.client = client
        self.settings = settings
        self.context = CardContext(
            configured_approvers=tuple(configured_approvers(settings)),
            timezone=settings.timezone,
        )
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._shown: dict[str, str] = {}

    def home(self, ask: AskDetail) -> tuple[str, str | None] | None:
        """Where a new card goes: the asks channel, else the batch's thread, else the digest
        channel for asks no batch owns (failure reports); None when there is nowhere."""
        if self.settings.asks_channel:
            return self.settings.asks_channel, None
        if ask.batch_channel:
            return ask.batch_channel, ask.batch_thread_ts
        if self.settings.digest_channel:
            return self.settings.digest_channel, None
        return None

    def thread_of(self, ask: AskDetail) -> str | None:
        """The thread a card lives in, for replies such as reminders."""
        in_batch_thread = ask.channel == ask.batch_channel and not self.settings.asks_channel
        if in_batch_thread and ask.batch_thread_ts:
            return ask.batch_thread_ts
        return ask.message_ts

    def refresh(self, ref: str) -> str | None:
        """Post the card if it has none (and this process wins the claim), else update it."""
        ref = ref.upper()
        with self._locks[ref]:
            ask = self.escalations.ask(ref)
            if ask.message_ts and ask.channel:
                self._update(ask)
                return ask.message_ts
            if not ask.is_open:
                return None  # decided before any card showed it: nothing to ask anyone
            home = self.home(ask)
            if home is None or not self.escalations.claim_card(ref):
                return None
            channel, thread_ts = home
            blocks = card_blocks(ask, self.context)
            response = self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=card_text(ask), blocks=blocks
            )
            ts = str(response["ts"])
            self.escalations.set_card(ref, channel=str(response["channel"]), ts=ts)
            self._shown[ref] = _digest(card_text(ask), blocks)
            # Occurrences or a decision may have landed while the card was being posted.
            self._update(self.escalations.ask(ref))
            return ts

    def _update(self, ask: AskDetail) -> None:
        blocks = card_blocks(ask, self.context)
        text = card_text(ask)
        digest = _digest(text, blocks)
        if self._shown.get(ask.id) == digest:
            return
        try:
            self.client.chat_update(
                channel=ask.channel or "", ts=ask.message_ts or "", text=text, blocks=blocks
            )
        except SlackApiError as exc:
            log.warning("could not update %s's card: %s", ask.id, exc.response.get("error"))
            return
        self._shown[ask.id] = digest

    def remind(self, reminder: Reminder) -> None:
        ask = reminder.ask
        if not ask.channel:
            log.info("%s is due a reminder but has no card to reply to", ask.id)
            return
        self.client.chat_postMessage(
            channel=ask.channel,
            thread_ts=self.thread_of(ask),
            text=reminder_text(reminder, self.context, self.escalations.policy.max_reminders),
        )


def configured_approvers(settings: Settings) -> list[str]:
    from bot.ask_config import normalise_id

    return [normalise_id(a) for a in settings.approvers if a.strip()]


def _digest(text: str, blocks: list[dict[str, object]]) -> str:
    raw = json.dumps([text, blocks], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
