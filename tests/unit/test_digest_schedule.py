"""When a daily digest is due, in local wall-clock time, as UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.schedule import UnknownTimezone, latest_slot, next_slot, slot_on, zone
from bot.settings import Settings

NY = ZoneInfo("America/New_York")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "day", "at", "expected"),
    [
        # New York's clocks go forward on 8 March 2026 and back on 1 November 2026.
        ("America/New_York", date(2026, 3, 7), time(17), utc(2026, 3, 7, 22)),
        ("America/New_York", date(2026, 3, 8), time(17), utc(2026, 3, 8, 21)),
        ("America/New_York", date(2026, 10, 31), time(17), utc(2026, 10, 31, 21)),
        ("America/New_York", date(2026, 11, 1), time(17), utc(2026, 11, 1, 22)),
        # 02:30 does not exist on 8 March: it lands as far past the gap as it was into it.
        ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30)),
        # 01:30 happens twice on 1 November: the first one counts.
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
        # UTC+14: the local morning is the previous UTC evening.
        ("Pacific/Kiritimati", date(2026, 11, 19), time(9), utc(2026, 11, 18, 19)),
        # UTC-11: the local evening is the next UTC morning.
        ("Pacific/Pago_Pago", date(2026, 11, 18), time(17), utc(2026, 11, 19, 4)),
    ],
)
def test_a_local_day_has_one_slot_at_its_wall_clock_time(
    tz: str, day: date, at: time, expected: datetime
) -> None:
    assert slot_on(day, at, ZoneInfo(tz)).at == expected


def test_the_latest_slot_is_today_only_once_it_is_due() -> None:
    tz = ZoneInfo("Pacific/Kiritimati")
    due = utc(2026, 11, 18, 19)  # 09:00 on the 19th in Kiritimati
    assert latest_slot(due - timedelta(seconds=1), time(9), tz).local_date == date(2026, 11, 18)
    assert latest_slot(due, time(9), tz).local_date == date(2026, 11, 19)
    # Past UTC midnight it is still the same local day there.
    assert latest_slot(utc(2026, 11, 19, 8), time(9), tz).local_date == date(2026, 11, 19)
    assert next_slot(due, time(9), tz).at == utc(2026, 11, 19, 19)


def test_consecutive_slots_across_a_clock_change_are_a_day_apart_in_local_time() -> None:
    first = slot_on(date(2026, 3, 7), time(17), NY)
    second = next_slot(first.at, time(17), NY)
    assert second.local_date == date(2026, 3, 8)
    assert second.at - first.at == timedelta(hours=23)  # the day is an hour short
    third = next_slot(second.at, time(17), NY)
    assert third.at - second.at == timedelta(hours=24)


def test_an_unknown_timezone_is_refused_with_an_example() -> None:
    with pytest.raises(UnknownTimezone, match="IANA"):
        zone("Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="IANA time zone"):
        Settings(_env_file=None, FOREMAN_TIMEZONE="Europe/Atlantis")
