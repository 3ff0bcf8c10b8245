"""The days the cost chart draws: every day of the period, zero where nothing was used."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from modelyard.usage.reports import ReportRow, TimeRange, UsageTotals
from modelyard.web.usage_pages import MAX_CHART_DAYS, cost_per_day


def _row(day: str, cost: str) -> ReportRow:
    return ReportRow(day, day, UsageTotals(requests=1, cost_usd=Decimal(cost)))


def _span(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


def test_every_day_of_the_period_with_gaps_at_zero() -> None:
    span = _span("2026-03-30T00:00:00+00:00", "2026-04-03T00:00:00+00:00")  # end exclusive
    rows = [_row("2026-03-31", "0.25"), _row("2026-04-02", "1.5")]
    assert cost_per_day(rows, span) == [
        ("2026-03-30", Decimal(0)),
        ("2026-03-31", Decimal("0.25")),
        ("2026-04-01", Decimal(0)),
        ("2026-04-02", Decimal("1.5")),
    ]


def test_a_period_without_usage_draws_nothing() -> None:
    assert cost_per_day([], _span("2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00")) == []


def test_a_very_long_period_draws_only_the_days_with_usage() -> None:
    span = TimeRange(datetime(2020, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    assert (span.end - span.start).days > MAX_CHART_DAYS
    rows = [_row("2021-05-05", "2"), _row("2024-02-29", "3")]
    assert cost_per_day(rows, span) == [
        ("2021-05-05", Decimal("2")),
        ("2024-02-29", Decimal("3")),
    ]
