"""App Home: what waits on the viewer, and every active batch."""

from __future__ import annotations

from typing import Any

from bot.listeners.registrar import Registrar
from bot.services import Services
from bot.views.asks import ask_line
from bot.views.status import home_blocks
from tracker.states import BatchStatus

ACTIVE = [BatchStatus.RECEIVED, BatchStatus.RESEARCHING, BatchStatus.PLANNED, BatchStatus.APPROVED]


def register(reg: Registrar, services: Services) -> None:
    @reg.event("app_home_opened")
    def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        viewer = event["user"]
        now = services.clock()
        # The viewer decides an ask they are named on, or one that falls back to them.
        asks = services.escalations.asks(open_only=True)
        mine = [ask_line(a, now) for a in asks if viewer in a.deciders]
        batches = services.tracker.batches(statuses=ACTIVE)
        services.client.views_publish(
            user_id=viewer, view={"type": "home", "blocks": home_blocks(mine, batches)}
        )
