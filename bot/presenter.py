"""Keeps each batch's Slack message in step with the database."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import defaultdict

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.views.batch import batch_blocks, batch_fallback_text
from tracker.service import Tracker

log = logging.getLogger("foreman.presenter")


class BatchPresenter:
    def __init__(self, tracker: Tracker, client: WebClient) -> None:
        self.tracker = tracker
        self.client = client
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        # What each message last showed: a change that renders the same is not sent again.
        self._shown: dict[str, str] = {}

    def refresh(self, ref: str, *, post_if_missing: bool = False) -> str | None:
        """Re-render the batch's message; post it first when asked to. Returns its ts."""
        with self._locks[ref]:
            batch = self.tracker.batch(ref)
            if batch.channel is None:
                return None  # a batch made from the CLI has no Slack home
            tickets = self.tracker.tickets(batch=ref) if batch.total else []
            blocks = batch_blocks(batch, tickets)
            text = batch_fallback_text(batch)
            # A digest, not the message: a long-running bot keeps one per batch it has shown.
            rendered = hashlib.sha256(
                json.dumps([text, blocks], sort_keys=True).encode()
            ).hexdigest()
            if batch.plan_message_ts:
                if self._shown.get(ref) == rendered:
                    return batch.plan_message_ts
                try:
                    self.client.chat_update(
                        channel=batch.channel, ts=batch.plan_message_ts, text=text, blocks=blocks
                    )
                    self._shown[ref] = rendered
                except SlackApiError as exc:
                    log.warning("could not update %s's message: %s", ref, exc.response.get("error"))
                return batch.plan_message_ts
            if not post_if_missing:
                return None
            response = self.client.chat_postMessage(
                channel=batch.channel, thread_ts=batch.thread_ts, text=text, blocks=blocks
            )
            ts = str(response["ts"])
            self.tracker.set_batch_message(ref, channel=str(response["channel"]), ts=ts)
            self._shown[ref] = rendered
            return ts
