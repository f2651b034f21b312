"""Follows the event log and re-renders the Slack messages of batches that changed.

Changes made anywhere (a worker's `foreman done`, another bot process) reach Slack this way:
the log is the single feed, so nothing is decided from a chat message or process memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.periodic import Periodic
from tracker import ids
from tracker.service import Tracker

log = logging.getLogger("foreman.projector")


class EventProjector(Periodic):
    thread_name = "foreman-projector"

    def __init__(
        self,
        tracker: Tracker,
        on_batch_change: Callable[[str], object],
        interval: float = 1.0,
        on_ask_change: Callable[[str], object] | None = None,
    ) -> None:
        self.tracker = tracker
        self.on_batch_change = on_batch_change
        self.on_ask_change = on_ask_change
        super().__init__(interval)
        self.cursor = tracker.last_event_id()

    def run_once(self) -> set[str]:
        events = self.tracker.events_after(self.cursor)
        if not events:
            return set()
        self.cursor = max(e.id or 0 for e in events)
        changed = {ids.batch_ref(e.batch_id) for e in events if e.batch_id is not None}
        for ref in sorted(changed):
            try:
                self.on_batch_change(ref)
            except Exception:
                log.exception("re-rendering %s failed; the next change retries", ref)
        if self.on_ask_change is not None:
            # An ask's card lives apart from its batch's message (and a failure's ask has
            # no batch), so ask events re-render the card itself.
            for ref in sorted({e.subject for e in events if e.subject.startswith("ASK-")}):
                try:
                    self.on_ask_change(ref)
                except Exception:
                    log.exception("re-rendering %s failed; the next change retries", ref)
        return changed
