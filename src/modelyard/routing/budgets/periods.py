"""Each budget's current period, cached until it resets, so the hot path computes no calendar.

The clock is injected (epoch seconds), so tests cross a boundary by moving it. A cached entry
is recomputed from :func:`modelyard.usage.budget_periods.period_bounds` when the clock reaches
its ``resets_at`` or when the snapshot brought a new :class:`BudgetConfig` object.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal

from modelyard.routing.snapshot import BudgetConfig
from modelyard.usage.budget_periods import period_bounds

MICRO = Decimal(1_000_000)


def to_micro(usd: Decimal) -> int:
    """Whole micro-dollars, rounded up: the ledger never counts less than was spent."""
    return int((usd * MICRO).to_integral_value(rounding=ROUND_CEILING))


def from_micro(micro: int) -> Decimal:
    return Decimal(micro) / MICRO


@dataclass(frozen=True, slots=True)
class Period:
    budget: BudgetConfig
    start: datetime
    start_ts: int  # the ledger's key: (budget id, start_ts)
    resets_at: datetime | None
    resets_ts: float  # math.inf for ``total``
    amount: int  # micro-dollars
    thresholds: tuple[tuple[Decimal, int], ...]  # (fraction, micro-dollars), ascending
    key: tuple[str, int]  # (budget id, start_ts): stored, the ledger asks for it a dozen times


class Periods:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._cache: dict[str, Period] = {}

    def current(self, budget: BudgetConfig, now: float) -> Period:
        period = self._cache.get(budget.id)
        if period is None or period.budget is not budget or now >= period.resets_ts:
            period = self._compute(budget, now)
            self._cache[budget.id] = period
        return period

    def _compute(self, budget: BudgetConfig, now: float) -> Period:
        start, resets = period_bounds(
            budget.period, budget.timezone, datetime.fromtimestamp(now, UTC)
        )
        amount = to_micro(budget.amount_usd)
        return Period(
            budget=budget,
            start=start,
            start_ts=int(start.timestamp()),
            resets_at=resets,
            resets_ts=resets.timestamp() if resets is not None else math.inf,
            amount=amount,
            thresholds=tuple((f, to_micro(budget.amount_usd * f)) for f in budget.notify_at),
            key=(budget.id, int(start.timestamp())),
        )
