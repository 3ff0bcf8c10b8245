"""The price of one call, computed exactly in decimal USD from the unit prices in force."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from modelyard.llm_types import Usage

PER_MILLION = Decimal(1_000_000)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class UnitPrices:
    """USD per 1M tokens, and per image; ``None`` means unknown (counted as 0, and warned)."""

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    image: Decimal | None = None


def cost_usd(usage: Usage, prices: UnitPrices) -> Decimal:
    """Uncached input, cache reads and writes, and output each at their own price, plus images.

    A cache price that is not known falls back to the input price: cheaper is a guess, free is
    wrong.
    """
    input_price = prices.input or ZERO
    cache_read = prices.cache_read if prices.cache_read is not None else input_price
    cache_write = prices.cache_write if prices.cache_write is not None else input_price
    tokens = (
        usage.input_tokens * input_price
        + usage.cache_read_tokens * cache_read
        + usage.cache_write_tokens * cache_write
        + usage.output_tokens * (prices.output or ZERO)
    ) / PER_MILLION
    return tokens + usage.images * (prices.image or ZERO)
