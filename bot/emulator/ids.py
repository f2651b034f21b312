"""Slack-shaped identifiers and timestamps for the emulator.

Identifiers are counters rendered in Slack's alphabet rather than random strings: a failing
test then prints `V000000003`, which says "the third view" at a glance, and runs are
reproducible. Only values that act as secrets (trigger ids, response URLs) carry randomness.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import defaultdict

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(number: int, width: int) -> str:
    digits: list[str] = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, "0")


class IdFactory:
    """Thread-safe source of ids; one per emulator so two emulators never collide in state."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: defaultdict[str, int] = defaultdict(int)
        self._last_ts_micros = 0

    def next(self, prefix: str, width: int = 9) -> str:
        """`prefix` followed by a per-prefix counter, e.g. `V000000001`."""
        with self._lock:
            self._counters[prefix] += 1
            return prefix + _base36(self._counters[prefix], width)

    def ts(self) -> str:
        """A message timestamp, strictly increasing across the whole workspace.

        Slack uses `ts` as the message's primary key inside a channel, and tests compare them
        as strings, so two messages posted within the same microsecond must still differ.
        """
        with self._lock:
            micros = max(int(time.time() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
        seconds, fraction = divmod(micros, 1_000_000)
        return f"{seconds}.{fraction:06d}"

    def event_id(self) -> str:
        return self.next("Ev", 10)

    def envelope_id(self) -> str:
        return str(uuid.uuid4())

    def view_id(self) -> str:
        return self.next("V")

    def block_id(self) -> str:
        # Slack fills a missing block_id with a short random token; a counter is just as unique.
        return self.next("b", 5)

    def action_id(self) -> str:
        return self.next("a", 5)

    def trigger_id(self, team_number: str) -> str:
        with self._lock:
            self._counters["trigger"] += 1
            count = self._counters["trigger"]
        return f"{count}.{team_number}.{secrets.token_hex(16)}"

    def secret(self) -> str:
        return secrets.token_hex(12)

    def view_hash(self) -> str:
        with self._lock:
            self._counters["hash"] += 1
            count = self._counters["hash"]
        return f"{int(time.time())}.{_base36(count, 8)}"
