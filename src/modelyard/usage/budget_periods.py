"""Where a budget's current period starts and when it resets, in the budget's time zone.

Pure: the clock is an argument, so tests move it instead of sleeping. Periods begin at local
midnight (``day``), local Monday 00:00 (``week``) or the local 1st 00:00 (``month``); a
``total`` budget never resets and counts from :data:`TOTAL_START`. Bounds are computed on the
local calendar and then converted, so a day is 23 or 25 hours long across a DST switch.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["PERIODS", "TOTAL_START", "InvalidTimezone", "period_bounds", "zone"]

PERIODS = ("day", "week", "month", "total")
TOTAL_START = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidTimezone(ValueError):
    """The name is not an IANA time zone this system knows."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; :class:`InvalidTimezone` for anything else (paths included)."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        raise InvalidTimezone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidTimezone(name) from exc


def period_bounds(period: str, timezone: str, now: datetime) -> tuple[datetime, datetime | None]:
    """(period_start, resets_at) of the period containing ``now``, as aware UTC datetimes;
    ``resets_at`` is None for ``total``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if period == "total":
        return TOTAL_START, None
    tz = zone(timezone)
    today = now.astimezone(tz).date()
    if period == "day":
        first, following = today, today + timedelta(days=1)
    elif period == "week":
        first = today - timedelta(days=today.weekday())
        following = first + timedelta(days=7)
    elif period == "month":
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"unknown period {period!r}")
    return _midnight(first, tz), _midnight(following, tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    # fold=0: an ambiguous midnight is its first occurrence; a skipped one maps to the
    # instant the local day really begins.
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
