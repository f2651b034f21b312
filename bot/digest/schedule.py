"""When a channel's daily digest is due: local wall-clock time in an IANA zone, as UTC instants.

A local date has exactly one slot. On a spring-forward day a time inside the gap (02:30 in
New York) does not exist; zoneinfo reads it with the offset in force before the change, so it
lands as many minutes after the gap as it would have been into it (03:30). On a fall-back day
an ambiguous time (01:30) means its first occurrence. Either way the day gets one slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class UnknownTimezone(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimezone(
            f"FOREMAN_TIMEZONE={name!r} is not an IANA time zone (e.g. Europe/Paris, UTC)"
        ) from None


@dataclass(frozen=True)
class Slot:
    local_date: date
    at: datetime  # UTC

    @property
    def key(self) -> str:
        return self.local_date.isoformat()


def slot_on(day: date, at: time, tz: ZoneInfo) -> Slot:
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return Slot(day, local.astimezone(UTC))


def local_date(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def latest_slot(now: datetime, at: time, tz: ZoneInfo) -> Slot:
    """The most recent slot at or before `now` (today's once it is due, else yesterday's)."""
    today = local_date(now, tz)
    slot = slot_on(today, at, tz)
    return slot if slot.at <= now else slot_on(today - timedelta(days=1), at, tz)


def next_slot(now: datetime, at: time, tz: ZoneInfo) -> Slot:
    """The first slot strictly after `now`."""
    today = local_date(now, tz)
    slot = slot_on(today, at, tz)
    return slot if slot.at > now else slot_on(today + timedelta(days=1), at, tz)
