"""``micro_cost`` is ``to_micro(cost_usd(...))`` in integers: the same number for every model
of the bundled catalog and for prices too fine for the integer path."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from modelyard.catalog.loader import load_bundled
from modelyard.llm_types import Usage
from modelyard.routing.budgets.micro_cost import micro_cost
from modelyard.routing.budgets.periods import to_micro
from modelyard.usage.cost import UnitPrices, cost_usd


def _usages(seed: int) -> list[Usage]:
    rng = random.Random(seed)
    usages = [Usage(), Usage(input_tokens=1), Usage(output_tokens=1), Usage(images=1)]
    for _ in range(200):
        usages.append(
            Usage(
                input_tokens=rng.randrange(0, 2_000_000),
                output_tokens=rng.randrange(0, 200_000),
                cache_read_tokens=rng.randrange(0, 500_000),
                cache_write_tokens=rng.randrange(0, 100_000),
                images=rng.randrange(0, 4),
            )
        )
    return usages


def _catalog_prices() -> list[UnitPrices]:
    """Every bundled entry's prices as they are (token and image prices alike: a superset of
    what the pricing rule leaves in force)."""
    kinds = ("input", "output", "cache_read", "cache_write", "image")
    return [
        UnitPrices(**{kind: getattr(entry, f"{kind}_price") for kind in kinds})
        for entry in load_bundled().entries
    ]


def test_agrees_with_the_decimal_cost_for_every_catalog_model() -> None:
    prices = _catalog_prices()
    assert len(prices) > 20
    usages = _usages(7)
    for unit in prices:
        for usage in usages:
            assert micro_cost(usage, unit) == to_micro(cost_usd(usage, unit)), (unit, usage)


@pytest.mark.parametrize(
    "unit",
    [
        UnitPrices(input=Decimal("0.0000001"), output=Decimal("3")),  # finer than the scale
        UnitPrices(image=Decimal("0.0000000000001")),
        UnitPrices(input=Decimal("2.5"), cache_read=None, cache_write=Decimal("3.75")),
        UnitPrices(),
    ],
)
def test_fine_or_missing_prices_give_the_same_number(unit: UnitPrices) -> None:
    for usage in _usages(11):
        assert micro_cost(usage, unit) == to_micro(cost_usd(usage, unit))


def test_rounds_up_like_the_ledger() -> None:
    one_token = UnitPrices(input=Decimal("0.1"))  # $0.0000001: a tenth of a micro-dollar
    assert micro_cost(Usage(input_tokens=1), one_token) == 1
    assert micro_cost(Usage(input_tokens=10), one_token) == 1
    assert micro_cost(Usage(input_tokens=11), one_token) == 2
