"""How the budget pages write money, fractions and instants in English and German.

Budgets hold exact decimals; pages round them for reading: cents, or up to six decimals for a
non-zero amount below a cent (so a first cheap call does not read as "$0.00"). German writes
``1.234,50 $`` and ``07.12.2026 00:00``; English ``$1,234.50`` and ``2026-12-07 00:00``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from modelyard.usage.budget_periods import zone

_CENT = Decimal("0.01")
_MICRO = Decimal("0.000001")


def _grouped(value: Decimal, places: Decimal, language: str) -> str:
    text = f"{abs(value).quantize(places, rounding=ROUND_HALF_UP):,f}"
    if places == _MICRO:
        text = text.rstrip("0")
    if language == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def usd(value: Decimal, language: str) -> str:
    """The amount in dollars for reading, with its sign."""
    small = value != 0 and abs(value) < _CENT
    number = _grouped(value, _MICRO if small else _CENT, language)
    sign = "-" if value < 0 else ""
    return f"{sign}{number} $" if language == "de" else f"{sign}${number}"


def percent(fraction: Decimal, language: str) -> str:
    """A fraction (0.8) as a percentage ("80 %" / "80%"), without needless decimals."""
    number = format((fraction * 100).normalize(), "f")
    if language == "de":
        return number.replace(".", ",") + " %"
    return number + "%"


def used_percent(spent: Decimal, amount: Decimal) -> int:
    """Whole percent of the amount spent (may exceed 100)."""
    if amount <= 0:
        return 0
    return int((spent / amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def instant(value: datetime, timezone: str, language: str) -> str:
    """The instant on the wall clock of ``timezone`` (a budget's zone, or UTC)."""
    local = value.astimezone(zone(timezone))
    pattern = "%d.%m.%Y %H:%M" if language == "de" else "%Y-%m-%d %H:%M"
    return local.strftime(pattern)


def percentages(fractions: list[Decimal]) -> str:
    """notify_at as the form shows it: "80, 100"."""
    return ", ".join(format((f * 100).normalize(), "f") for f in fractions)
