"""The asks' clock: expiry, reminders, and cards that were never posted.

Every bot process runs one. Expiry and each reminder are claimed by compare-and-set in the
database, so with two processes each reminder is still posted once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from bot.ask_presenter import AskPresenter
from escalation.asks import Escalations

log = logging.getLogger("foreman.asks")


@dataclass
class SweepResult:
    expired: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    posted: list[str] = field(default_factory=list)


class AskSweeper:
    def __init__(
        self, escalations: Escalations, presenter: AskPresenter, interval: float = 30.0
    ) -> None:
        self.escalations = escalations
        self.presenter = presenter
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> SweepResult:
        result = SweepResult()
        for ref in self.escalations.expire_due():
            result.expired.append(ref)
            self._refresh(ref)
        for ref in self.escalations.cancel_moot():
            self._refresh(ref)
        for reminder in self.escalations.remind_due():
            result.reminded.append(reminder.ask.id)
            try:
                self.presenter.remind(reminder)
            except Exception:
                log.exception("posting the reminder for %s failed", reminder.ask.id)
            self._refresh(reminder.ask.id)
        for ref in self.escalations.uncarded():
            if self._refresh(ref):
                result.posted.append(ref)
        return result

    def _refresh(self, ref: str) -> str | None:
        try:
            return self.presenter.refresh(ref)
        except Exception:
            log.exception("showing %s failed; the next pass retries", ref)
            return None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="foreman-asks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                log.exception("asks sweep failed")
