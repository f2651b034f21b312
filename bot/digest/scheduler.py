"""The daily digest, posted at FOREMAN_DIGEST_TIME in FOREMAN_TIMEZONE, once per local day.

A background thread ticks every `interval` seconds; each tick is `run_once(now)`: find the
latest slot that is due, claim it in the database (bot.digest.runs), build, post, record.
Only the latest slot is ever posted, so a bot that was down for days posts one late digest,
and that digest covers everything since the previous one.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.digest import runs
from bot.digest.post import post_digest
from bot.digest.read import build_digest
from bot.digest.schedule import latest_slot, local_date, zone
from bot.periodic import Periodic
from tracker.clock import Clock, utcnow
from tracker.service import Tracker

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("foreman.digest")

DEFAULT_INTERVAL = 30.0


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class DigestScheduler(Periodic):
    thread_name = "foreman-digest"
    run_at_start = True  # a bot restarted after posting time catches up at once

    def __init__(
        self,
        tracker: Tracker,
        client: WebClient,
        *,
        channel: str,
        at: time,
        tz: ZoneInfo,
        clock: Clock = utcnow,
        interval: float = DEFAULT_INTERVAL,
        worker: str | None = None,
        default_approvers: Sequence[str] = (),
    ) -> None:
        self.tracker = tracker
        self.client = client
        self.channel = channel
        self.at = at
        self.tz = tz
        self.clock = clock
        super().__init__(interval)
        self.worker = worker or worker_id()
        self.default_approvers = list(default_approvers)
        # Days known to be posted: later ticks that day need no database round trip.
        self._settled: set[str] = set()

    def run_once(self, now: datetime | None = None) -> str | None:
        """Post the due digest if nobody has; returns the new message's ts, else None."""
        now = now or self.clock()
        slot = latest_slot(now, self.at, self.tz)
        if slot.key in self._settled:
            return None
        store = self.tracker.store
        # Yesterday's slot is only caught up for a channel that has had digests: a bot
        # installed this morning was not "down" at yesterday's time.
        if slot.local_date != local_date(now, self.tz) and not runs.has_history(
            store, self.channel
        ):
            return None
        # Lapsed leases become fake_active events now, inside the window this claim closes.
        self.tracker.sweep()
        claim = runs.claim(store, channel=self.channel, slot=slot, worker=self.worker, now=now)
        if claim is None:
            run = runs.run_for(store, self.channel, slot.key)
            if run is not None and run.posted_at is not None:
                self._settled.add(slot.key)
            return None
        digest = build_digest(
            self.tracker,
            now=claim.until,
            since=claim.since,
            tz=self.tz,
            local_date=slot.local_date,
            late_for=slot.at if claim.late else None,
            default_approvers=self.default_approvers,
        )
        ts = post_digest(self.client, self.channel, digest)
        if not runs.record_posted(store, claim, message_ts=ts, now=self.clock()):
            log.warning(
                "the %s digest for %s was taken over before it was recorded; "
                "the channel may show it twice",
                slot.key,
                self.channel,
            )
        self._settled.add(slot.key)
        log.info("posted the %s digest to %s (ts %s)", slot.key, self.channel, ts)
        return ts


def start_digest_scheduler(services: Services) -> DigestScheduler | None:
    settings = services.settings
    if not settings.digest_channel:
        log.info("FOREMAN_DIGEST_CHANNEL is not set: no daily digest")
        return None
    scheduler = DigestScheduler(
        services.tracker,
        services.client,
        channel=settings.digest_channel,
        at=settings.digest_time,
        tz=zone(settings.timezone),
        clock=services.clock,
        default_approvers=settings.approvers,
    )
    scheduler.start()
    services.background.append(scheduler)
    return scheduler
