"""Durable research: batches in `received` are researched by worker threads under a lease.

A runner that dies mid-research stops renewing; once its lease lapses the batch is
requeued and another runner takes it. The plan lands in one transaction, and only while the
lease is still held, so there is never half a plan and never two.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from intake.planner.base import Planner, PlanningError
from intake.research import research
from tracker.errors import TrackerError
from tracker.service import Tracker
from tracker.views import BatchView

log = logging.getLogger("foreman.research")

CLARIFY_PREFIX = "Nothing to plan yet: "


def worker_name(suffix: str = "") -> str:
    return f"{socket.gethostname()}:{os.getpid()}{':' + suffix if suffix else ''}"


class ResearchRunner:
    def __init__(
        self,
        tracker: Tracker,
        planner: Callable[[], Planner],
        *,
        lease_seconds: int = 120,
        cache_dir: Path | None = None,
        describe_error: Callable[[BaseException], str] = str,
        poll_seconds: float = 2.0,
    ) -> None:
        self.tracker = tracker
        self.planner = planner
        self.lease_seconds = lease_seconds
        self.cache_dir = cache_dir
        self.describe_error = describe_error
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- one batch ----------------------------------------------------------------------

    def run_one(self, worker: str, batch: str | None = None) -> BatchView | None:
        """Claim and research one batch; returns it as it ended up, or None if none waited."""
        claimed = self.tracker.claim_research(
            worker=worker, lease_seconds=self.lease_seconds, batch=batch
        )
        if claimed is None:
            return None
        renewer = _LeaseRenewer(self, claimed.id, worker)
        renewer.start()
        try:
            outcome = research(
                claimed.request, Path(claimed.repo), self.planner(), cache_dir=self.cache_dir
            )
        except PlanningError as exc:
            return self._fail(claimed.id, worker, str(exc))
        except Exception as exc:  # a crash must still end the batch visibly, not hang it
            log.exception("research of %s crashed", claimed.id)
            return self._fail(claimed.id, worker, f"research crashed: {self.describe_error(exc)}")
        finally:
            renewer.stop()
        if outcome.plan is None:
            return self._fail(claimed.id, worker, CLARIFY_PREFIX + (outcome.question or ""))
        try:
            return self.tracker.finish_research(
                claimed.id, outcome.plan, worker=worker, repo_root=Path(claimed.repo)
            )
        except TrackerError as exc:
            log.warning("research of %s discarded: %s", claimed.id, exc)
            return None

    def _fail(self, ref: str, worker: str, error: str) -> BatchView | None:
        try:
            return self.tracker.fail_research(ref, worker=worker, error=error)
        except TrackerError as exc:
            log.warning("could not record the failure of %s: %s", ref, exc)
            return None

    # -- the loop -----------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self, threads: int = 1) -> None:
        for n in range(threads):
            thread = threading.Thread(
                target=self.loop,
                args=(worker_name(f"research{n}"),),
                name=f"foreman-research-{n}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def loop(self, worker: str) -> None:
        while not self._stop.is_set():
            try:
                done = self.run_one(worker)
            except Exception:
                log.exception("research loop pass failed")
                done = None
            if done is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()


class _LeaseRenewer:
    """Renews the research lease while a (possibly slow) planner works."""

    def __init__(self, runner: ResearchRunner, ref: str, worker: str) -> None:
        self.runner, self.ref, self.worker = runner, ref, worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{ref}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        interval = max(1.0, self.runner.lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                self.runner.tracker.renew_research(
                    self.ref, worker=self.worker, lease_seconds=self.runner.lease_seconds
                )
            except TrackerError as exc:
                log.warning("lost the research lease on %s: %s", self.ref, exc)
                return
