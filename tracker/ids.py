"""Human references: FM-<n> for a batch, FM-<n>.<k> for a ticket, ASK-<n> for an ask."""

from __future__ import annotations

import re

from tracker.errors import InvalidReference

_BATCH = re.compile(r"^FM-(\d+)$", re.IGNORECASE)
_TICKET = re.compile(r"^FM-(\d+)\.(\d+)$", re.IGNORECASE)
_ASK = re.compile(r"^ASK-(\d+)$", re.IGNORECASE)


def batch_ref(batch_id: int) -> str:
    return f"FM-{batch_id}"


def ticket_ref(batch_id: int, seq: int) -> str:
    return f"FM-{batch_id}.{seq}"


def ask_ref(ask_id: int) -> str:
    return f"ASK-{ask_id}"


def parse_batch(ref: str) -> int:
    match = _BATCH.match(ref.strip())
    if not match:
        raise InvalidReference(f"{ref!r} is not a batch reference (expected FM-<n>, e.g. FM-7)")
    return int(match.group(1))


def parse_ticket(ref: str) -> tuple[int, int]:
    match = _TICKET.match(ref.strip())
    if not match:
        raise InvalidReference(
            f"{ref!r} is not a ticket reference (expected FM-<n>.<k>, e.g. FM-7.2)"
        )
    return int(match.group(1)), int(match.group(2))


def parse_ask(ref: str) -> int:
    match = _ASK.match(ref.strip())
    if not match:
        raise InvalidReference(f"{ref!r} is not an ask reference (expected ASK-<n>, e.g. ASK-3)")
    return int(match.group(1))
