"""The asks' clock: expiry, reminders, and cards that were never posted.

Every bot process runs one. Expiry and each reminder are claimed by compare-and-set in the
database, so with two processes each reminder is still posted once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.ask_presenter import AskPresenter
from bot.periodic import Periodic
from escalation.asks import Escalations

log = logging.getLogger("foreman.asks")


@dataclass
class SweepResult:
    expired: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    posted: list[str] = field(default_factory=list)


class AskSweeper(Periodic):
    thread_name = "foreman-asks"

    def __init__(
        self, escalations: Escalations, presenter: AskPresenter, interval: float = 30.0
    ) -> None:
        self.escalations = escalations
        self.presenter = presenter
        super().__init__(interval)

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
