"""Budget periods on the local calendar of the budget's zone, the clock moved by the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelyard.usage.budget_periods import TOTAL_START, InvalidTimezone, period_bounds


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_utc_day_week_month_total() -> None:
    now = utc(2026, 3, 18, 15, 30)  # a Wednesday
    assert period_bounds("day", "UTC", now) == (utc(2026, 3, 18), utc(2026, 3, 19))
    assert period_bounds("week", "UTC", now) == (utc(2026, 3, 16), utc(2026, 3, 23))
    assert period_bounds("month", "UTC", now) == (utc(2026, 3, 1), utc(2026, 4, 1))
    assert period_bounds("total", "UTC", now) == (TOTAL_START, None)


def test_a_boundary_belongs_to_the_new_period() -> None:
    start, resets = period_bounds("day", "UTC", utc(2026, 3, 18))
    assert start == utc(2026, 3, 18)
    before, _ = period_bounds("day", "UTC", utc(2026, 3, 18) - timedelta(microseconds=1))
    assert before == utc(2026, 3, 17)
    assert resets == utc(2026, 3, 19)


def test_december_rolls_into_the_next_year() -> None:
    assert period_bounds("month", "UTC", utc(2026, 12, 31, 23)) == (
        utc(2026, 12, 1),
        utc(2027, 1, 1),
    )


def test_berlin_spring_switch_makes_a_23_hour_day() -> None:
    # 29 March 2026: 02:00 CET becomes 03:00 CEST.
    start, resets = period_bounds("day", "Europe/Berlin", utc(2026, 3, 29, 12))
    assert start == utc(2026, 3, 28, 23)  # local midnight, still CET (+1)
    assert resets == utc(2026, 3, 29, 22)  # next local midnight, CEST (+2)
    assert resets - start == timedelta(hours=23)


def test_berlin_autumn_switch_makes_a_25_hour_day() -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET.
    start, resets = period_bounds("day", "Europe/Berlin", utc(2026, 10, 25, 12))
    assert start == utc(2026, 10, 24, 22)
    assert resets == utc(2026, 10, 25, 23)
    assert resets is not None and resets - start == timedelta(hours=25)


def test_berlin_week_across_the_spring_switch() -> None:
    start, resets = period_bounds("week", "Europe/Berlin", utc(2026, 3, 28, 12))
    assert start == utc(2026, 3, 22, 23)  # Monday 23 March 00:00 CET
    assert resets == utc(2026, 3, 29, 22)  # Monday 30 March 00:00 CEST
    assert resets - start == timedelta(days=7, hours=-1)


def test_new_york_day_is_local() -> None:
    # 20:00 in New York on 10 Jan is already 11 Jan in UTC; the period is still the 10th.
    start, resets = period_bounds("day", "America/New_York", utc(2026, 1, 11, 1))
    assert start == utc(2026, 1, 10, 5)
    assert resets == utc(2026, 1, 11, 5)


def test_new_york_spring_switch() -> None:
    # 8 March 2026: 02:00 EST becomes 03:00 EDT.
    start, resets = period_bounds("day", "America/New_York", utc(2026, 3, 8, 12))
    assert start == utc(2026, 3, 8, 5)
    assert resets == utc(2026, 3, 9, 4)


def test_month_boundary_at_local_midnight() -> None:
    # 31 May 23:30 in Berlin (21:30 UTC) is still May; 1 June 00:00 Berlin is 31 May 22:00 UTC.
    may = period_bounds("month", "Europe/Berlin", utc(2026, 5, 31, 21, 30))
    assert may == (utc(2026, 4, 30, 22), utc(2026, 5, 31, 22))
    june = period_bounds("month", "Europe/Berlin", utc(2026, 5, 31, 22))
    assert june[0] == utc(2026, 5, 31, 22)
    assert june[1] == utc(2026, 6, 30, 22)
    # In UTC the same instant is still May.
    assert period_bounds("month", "UTC", utc(2026, 5, 31, 22))[0] == utc(2026, 5, 1)


def test_weeks_start_on_monday() -> None:
    sunday_late = utc(2026, 3, 22, 23, 59)
    monday = utc(2026, 3, 23)
    assert period_bounds("week", "UTC", sunday_late)[0] == utc(2026, 3, 16)
    assert period_bounds("week", "UTC", monday) == (monday, utc(2026, 3, 30))
    for day in range(7):
        assert period_bounds("week", "UTC", monday + timedelta(days=day, hours=5))[0] == monday


def test_results_are_utc() -> None:
    start, resets = period_bounds("day", "Asia/Tokyo", utc(2026, 3, 18, 16))
    assert start.tzinfo is UTC and resets is not None and resets.tzinfo is UTC
    assert start == utc(2026, 3, 18, 15)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "/etc/localtime", " UTC"])
def test_an_invalid_timezone_is_refused(name: str) -> None:
    with pytest.raises(InvalidTimezone):
        period_bounds("day", name, utc(2026, 3, 18))


def test_an_unknown_period_or_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError):
        period_bounds("year", "UTC", utc(2026, 3, 18))
    with pytest.raises(ValueError):
        period_bounds("day", "UTC", datetime(2026, 3, 18))
