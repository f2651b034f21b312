"""Background passes (event projector, ask sweeper, digest scheduler) share one loop."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

log = logging.getLogger("foreman.background")


class Periodic(ABC):
    """`run_once` every `interval` seconds on a daemon thread until `stop`.

    A failing pass is logged and the next one runs as usual: every pass works from the
    database, so nothing is lost by skipping one.
    """

    thread_name = "foreman-background"
    run_at_start = False  # a pass right away, before the first interval

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def run_once(self) -> object: ...

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        if self.run_at_start:
            self._pass()
        while not self._stop.wait(self.interval):
            self._pass()

    def _pass(self) -> None:
        try:
            self.run_once()
        except Exception:
            log.exception("%s pass failed; the next one retries", self.thread_name)
