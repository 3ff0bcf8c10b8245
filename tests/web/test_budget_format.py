"""``web.budget_format``: money, percentages and instants as the budget pages write them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from modelyard.web.budget_format import instant, percent, percentages, usd, used_percent


def test_money_in_english_and_german() -> None:
    assert usd(Decimal("1234.5"), "en") == "$1,234.50"
    assert usd(Decimal("1234.5"), "de") == "1.234,50 $"
    assert usd(Decimal("0"), "en") == "$0.00"
    assert usd(Decimal("-0.5"), "de") == "-0,50 $"
    # Below a cent but not nothing: up to six decimals, so a cheap call does not read as zero.
    assert usd(Decimal("0.000042"), "en") == "$0.000042"
    assert usd(Decimal("0.0000421"), "de") == "0,000042 $"
    assert usd(Decimal("0.005"), "en") == "$0.005"


def test_percentages_and_use() -> None:
    assert percent(Decimal("0.8"), "en") == "80%"
    assert percent(Decimal("0.125"), "de") == "12,5 %"
    assert percentages([Decimal("0.5"), Decimal("1.0")]) == "50, 100"
    assert used_percent(Decimal("3"), Decimal("4")) == 75
    assert used_percent(Decimal("5"), Decimal("4")) == 125


def test_instants_on_the_budgets_wall_clock() -> None:
    moment = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert instant(moment, "Europe/Berlin", "en") == "2026-03-29 00:00"
    assert instant(moment, "Europe/Berlin", "de") == "29.03.2026 00:00"
    assert instant(moment, "UTC", "en") == "2026-03-28 23:00"
