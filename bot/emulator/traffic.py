"""Who called which Web API method, and rate limits armed by tests."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from bot.emulator.model import JSON


@dataclass(frozen=True)
class ApiCall:
    """One request the fake Web API answered, as a test may want to assert on it."""

    method: str
    args: JSON
    token: str | None
    status: int
    response: JSON
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


class Traffic:
    """The log of API calls and the queue of rate-limit answers still to give.

    It records through the store's `changing()`, so a test can `wait_for` a call count as
    well as a message.
    """

    def __init__(
        self, cond: threading.Condition, changing: Callable[[], AbstractContextManager[None]]
    ) -> None:
        self._cond = cond
        self._changing = changing
        self._limits: dict[str, deque[int]] = {}
        self._calls: list[ApiCall] = []

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and `Retry-After`."""
        with self._cond:
            self._limits.setdefault(method, deque()).extend([retry_after] * times)

    def take_limit(self, method: str) -> int | None:
        """The `Retry-After` to answer this call with, or None when it may proceed."""
        with self._cond:
            pending = self._limits.get(method)
            return pending.popleft() if pending else None

    def record(self, call: ApiCall) -> None:
        with self._changing():
            self._calls.append(call)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._cond:
            return [call for call in self._calls if method is None or call.method == method]

    def count(self, method: str) -> int:
        """Every request for `method`, refused or not (a 429 is still a call Slack counted)."""
        return len(self.calls(method))
