"""A call's cost in whole micro-dollars (rounded up) in integer arithmetic, for the ledger.

``to_micro(cost_usd(usage, prices))`` costs two microseconds of ``Decimal`` work, twice a call
(the estimate reserved, the real cost settled). Unit prices with at most six decimals per
million tokens (every catalog price is) are whole pico-dollars per token, so the same number
comes from a few integer products; prices that are not fall back to the exact decimal path.
tests/routing/test_budget_micro_cost.py checks both agree on every catalog model's prices.
"""

from __future__ import annotations

from decimal import Decimal

from modelyard.llm_types import Usage
from modelyard.routing.budgets.periods import to_micro
from modelyard.usage.cost import UnitPrices, cost_usd

_PICO_PER_MICRO = 1_000_000
_TOKEN_SCALE = Decimal(1_000_000)  # USD per 1M tokens -> pico-dollars per token
_IMAGE_SCALE = Decimal(1_000_000_000_000)  # USD per image -> pico-dollars per image

# (input, cache read, cache write, output, image) in pico-dollars, or None: not whole.
_Scaled = tuple[int, int, int, int, int] | None
_cache: dict[int, tuple[UnitPrices, _Scaled]] = {}
_CACHE_MAX = 4096


def _whole(value: Decimal, scale: Decimal) -> int | None:
    scaled = value * scale
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _scale(prices: UnitPrices) -> _Scaled:
    """The prices in pico-dollars, with ``cost_usd``'s rules (a missing cache price is the
    input price, a missing price is 0)."""
    zero = Decimal(0)
    input_price = prices.input or zero
    parts = (
        _whole(input_price, _TOKEN_SCALE),
        _whole(prices.cache_read if prices.cache_read is not None else input_price, _TOKEN_SCALE),
        _whole(prices.cache_write if prices.cache_write is not None else input_price, _TOKEN_SCALE),
        _whole(prices.output or zero, _TOKEN_SCALE),
        _whole(prices.image or zero, _IMAGE_SCALE),
    )
    if any(part is None for part in parts):
        return None
    return parts  # type: ignore[return-value]  # no None left


def micro_cost(usage: Usage, prices: UnitPrices) -> int:
    """``to_micro(cost_usd(usage, prices))``, the same number, mostly without ``Decimal``."""
    found = _cache.get(id(prices))
    if found is None or found[0] is not prices:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        found = _cache[id(prices)] = (prices, _scale(prices))
    scaled = found[1]
    if scaled is None:
        return to_micro(cost_usd(usage, prices))
    input_p, read_p, write_p, output_p, image_p = scaled
    pico = (
        usage.input_tokens * input_p
        + usage.cache_read_tokens * read_p
        + usage.cache_write_tokens * write_p
        + usage.output_tokens * output_p
        + usage.images * image_p
    )
    return -(-pico // _PICO_PER_MICRO)  # rounded up, as to_micro
