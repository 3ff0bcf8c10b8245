"""The budget ledger in memory and in a real Redis: all-or-nothing reservations under
concurrency, settling, rollover at a Europe/Berlin DST day boundary (clock moved, no sleep),
reconciliation from the database's spend, and the bound while Redis is unreachable."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import redis

from modelyard.routing.budgets import Hold, MemoryLedger, Refusal, scripts
from modelyard.routing.budgets.ledger import BudgetLedger
from modelyard.routing.budgets.redis_ledger import RedisLedger
from modelyard.routing.snapshot import BudgetConfig

pytestmark = pytest.mark.anyio

SHARED_REDIS = "redis://127.0.0.1:6379"
DEAD_REDIS = "redis://127.0.0.1:1"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now


def budget(
    amount: str = "0.03",
    *,
    id: str | None = None,
    period: str = "day",
    timezone: str = "UTC",
    notify_at: tuple[str, ...] = (),
) -> BudgetConfig:
    return BudgetConfig(
        id=id or f"bud_{secrets.token_hex(4)}",
        scope="workspace",
        scope_id=None,
        amount_usd=Decimal(amount),
        period=period,
        timezone=timezone,
        on_exceed="block",
        fallback_model_id=None,
        notify_at=tuple(Decimal(f) for f in notify_at),
    )


@pytest.fixture
def prefix() -> Iterator[str]:
    value = f"test:{secrets.token_hex(6)}:"
    yield value
    with redis.Redis.from_url(SHARED_REDIS) as client:
        keys = list(client.scan_iter(match=f"{value}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest, prefix: str) -> AsyncIterator[Any]:
    made: list[BudgetLedger] = []

    def build(clock: Clock, **options: Any) -> BudgetLedger:
        ledger: BudgetLedger
        if request.param == "memory":
            ledger = MemoryLedger(clock, **options)
        else:
            ledger = RedisLedger(SHARED_REDIS, prefix=prefix, clock=clock, **options)
        made.append(ledger)
        return ledger

    yield build
    for ledger in made:
        await ledger.close()


NOON = datetime(2026, 3, 28, 11, 0, tzinfo=UTC)


async def test_fifty_concurrent_reservations_against_room_for_three(make: Any) -> None:
    ledger = make(Clock(NOON))
    limit = budget("0.03")  # 30_000 micro-dollars: room for three of 10_000
    outcomes = await asyncio.gather(*(ledger.reserve("ws", (limit,), 10_000) for _ in range(50)))
    holds = [o for o in outcomes if isinstance(o, Hold)]
    assert len(holds) == 3
    assert all(
        isinstance(o, Refusal) and o.period.budget is limit for o in outcomes if o not in holds
    )


async def test_all_or_nothing_across_budgets(make: Any) -> None:
    ledger = make(Clock(NOON))
    roomy, tight = budget("1"), budget("0.015")
    assert isinstance(await ledger.reserve("ws", (roomy, tight), 10_000), Hold)
    refused = await ledger.reserve("ws", (roomy, tight), 10_000)
    assert isinstance(refused, Refusal) and refused.period.budget is tight
    # The refusal touched neither: roomy still has 1 USD minus one reservation.
    assert isinstance(await ledger.reserve("ws", (roomy,), 990_000), Hold)
    assert isinstance(await ledger.reserve("ws", (roomy,), 1), Refusal)


async def test_an_unchecked_budget_is_counted_but_never_refuses(make: Any) -> None:
    """A call on a budget's fallback model: past that budget, but still counted in it."""
    ledger = make(Clock(NOON))
    spent, roomy = budget("0.01"), budget("1")
    assert isinstance(await ledger.reserve("ws", (spent, roomy), 20_000), Refusal)
    passed = await ledger.reserve("ws", (spent, roomy), 20_000, frozenset({spent.id}))
    assert isinstance(passed, Hold)
    # Counted in both: the spent budget now holds more than its amount, so even the smallest
    # checked call is refused; the roomy one has 1 USD minus the reservation left.
    assert isinstance(await ledger.reserve("ws", (spent,), 1), Refusal)
    assert isinstance(await ledger.reserve("ws", (roomy,), 980_000), Hold)
    assert isinstance(await ledger.reserve("ws", (roomy,), 1), Refusal)


async def test_settle_releases_the_reservation_and_adds_the_real_cost(make: Any) -> None:
    crossed: list[tuple[str, Decimal, Decimal]] = []
    ledger = make(
        Clock(NOON), on_cross=lambda ws, bid, t, spent, start: crossed.append((bid, t, spent))
    )
    limit = budget("0.03", notify_at=("0.5", "1.0"))
    first = await ledger.reserve("ws", (limit,), 20_000)
    assert isinstance(first, Hold)
    ledger.settle(first, 16_000)  # cheaper than reserved: the difference is released
    await asyncio.sleep(0.05)  # a Redis settle is sent by a task
    assert crossed == [(limit.id, Decimal("0.5"), Decimal("0.016"))]
    assert isinstance(await ledger.reserve("ws", (limit,), 14_000), Hold)  # 16k + 14k = 30k
    assert isinstance(await ledger.reserve("ws", (limit,), 1), Refusal)
    failed = await ledger.reserve("ws", (budget("1"),), 5)
    assert isinstance(failed, Hold)
    ledger.settle(failed, 0)


async def test_an_unpriced_call_holds_and_settles_nothing_without_degrading(make: Any) -> None:
    # A model without prices estimates 0: Lua's -0 was refused by HINCRBY, so the settle
    # failed and a healthy replica believed Redis was down.
    ledger = make(Clock(NOON))
    limit = budget("0.03")
    hold = await ledger.reserve("ws", (limit,), 0)
    assert isinstance(hold, Hold)
    ledger.settle(hold, 0)
    await asyncio.sleep(0.05)
    assert not getattr(ledger, "degraded", False)
    assert isinstance(await ledger.reserve("ws", (limit,), 30_000), Hold)  # nothing was used


async def test_a_day_rolls_over_at_local_midnight_across_the_dst_switch(make: Any) -> None:
    # Europe/Berlin springs forward on 2026-03-29: that day is 23 hours long.
    clock = Clock(datetime(2026, 3, 28, 22, 59, tzinfo=UTC))  # 23:59 CET on the 28th
    ledger = make(clock)
    day = budget("0.01", timezone="Europe/Berlin")
    hold = await ledger.reserve("ws", (day,), 10_000)
    assert isinstance(hold, Hold)
    ledger.settle(hold, 10_000)
    await asyncio.sleep(0.05)
    refused = await ledger.reserve("ws", (day,), 1)
    assert isinstance(refused, Refusal)
    assert refused.period.resets_at == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    clock.now = datetime(2026, 3, 28, 23, 0, tzinfo=UTC).timestamp()  # midnight in Berlin
    fresh = await ledger.reserve("ws", (day,), 10_000)
    assert isinstance(fresh, Hold)
    # The 29th has 23 hours: the next reset is at 22:00 UTC (midnight CEST).
    assert fresh.periods[0].resets_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    ledger.settle(fresh, 10_000)
    await asyncio.sleep(0.05)
    clock.now = datetime(2026, 3, 29, 21, 59, tzinfo=UTC).timestamp()
    assert isinstance(await ledger.reserve("ws", (day,), 1), Refusal)
    clock.now = datetime(2026, 3, 29, 22, 0, tzinfo=UTC).timestamp()
    assert isinstance(await ledger.reserve("ws", (day,), 10_000), Hold)


async def test_reconciliation_brings_back_recorded_spend(make: Any) -> None:
    clock = Clock(NOON)
    ledger = make(clock)
    limit = budget("0.03")
    period = ledger.periods.current(limit, clock.now)
    await ledger.reconcile("ws", [(period, 25_000)])  # what the usage records say
    assert isinstance(await ledger.reserve("ws", (limit,), 10_000), Refusal)
    assert isinstance(await ledger.reserve("ws", (limit,), 5_000), Hold)
    # A lower database figure (records not written yet) never lowers the ledger's count.
    await ledger.reconcile("ws", [(period, 1_000)])
    assert isinstance(await ledger.reserve("ws", (limit,), 1), Refusal)


async def test_a_deleted_redis_key_is_seeded_from_the_last_reconciliation(prefix: str) -> None:
    clock = Clock(NOON)
    ledger = RedisLedger(SHARED_REDIS, prefix=prefix, clock=clock)
    try:
        limit = budget("0.03")
        period = ledger.periods.current(limit, clock.now)
        await ledger.reconcile("ws", [(period, 30_000)])
        with redis.Redis.from_url(SHARED_REDIS) as client:
            assert client.delete(*client.keys(f"{prefix}*")) >= 1
        assert isinstance(await ledger.reserve("ws", (limit,), 1), Refusal)
    finally:
        await ledger.close()


async def test_two_replicas_share_one_budget(prefix: str) -> None:
    clock = Clock(NOON)
    one = RedisLedger(SHARED_REDIS, prefix=prefix, clock=clock)
    two = RedisLedger(SHARED_REDIS, prefix=prefix, clock=clock)
    try:
        limit = budget("0.05")
        outcomes = await asyncio.gather(
            *(r.reserve("ws", (limit,), 10_000) for _ in range(25) for r in (one, two))
        )
        assert sum(isinstance(o, Hold) for o in outcomes) == 5
    finally:
        await one.close()
        await two.close()


async def outage(ledger: RedisLedger) -> None:
    """Redis goes away: the ledger's connection now points at a port nobody listens on."""
    await ledger._client.aclose()
    ledger._client = redis.asyncio.Redis.from_url(DEAD_REDIS, socket_connect_timeout=0.2)
    ledger._reserve = ledger._client.register_script(scripts.RESERVE)


async def test_without_redis_a_replica_admits_its_share_of_what_remained(prefix: str) -> None:
    clock = Clock(NOON)
    ledger = RedisLedger(SHARED_REDIS, prefix=prefix, clock=clock, expected=2)
    limit, unseen = budget("0.10"), budget("1")
    try:
        hold = await ledger.reserve("ws", (limit,), 20_000)  # Redis saw 20k used
        assert isinstance(hold, Hold)
        await outage(ledger)
        admitted = 0
        for _ in range(20):
            outcome = await ledger.reserve("ws", (limit,), 10_000)
            admitted += isinstance(outcome, Hold)
        assert ledger.degraded
        assert admitted == 4  # (100k - 20k) // 2 replicas = 40k: four calls of 10k
        refused = await ledger.reserve("ws", (unseen,), 1)  # never seen: refused
        assert isinstance(refused, Refusal) and refused.unknown
    finally:
        await ledger.close()


async def test_without_redis_and_without_the_replica_count_it_refuses() -> None:
    ledger = RedisLedger(DEAD_REDIS, clock=Clock(NOON))
    try:
        outcome = await ledger.reserve("ws", (budget("1"),), 1)
        assert isinstance(outcome, Refusal) and outcome.unknown
        assert ledger.degraded
    finally:
        await ledger.close()


async def test_a_hold_that_never_settles_lapses(make: Any) -> None:
    clock = Clock(NOON)
    ledger = make(clock)
    limit = budget("0.02")
    assert isinstance(await ledger.reserve("ws", (limit,), 20_000), Hold)  # never settled
    assert isinstance(await ledger.reserve("ws", (limit,), 1), Refusal)
    clock.now += 901  # past the lapse (15 minutes), same day
    late = await ledger.reserve("ws", (limit,), 10_000)
    assert isinstance(late, Hold)
    ledger.settle(late, 10_000)
    ledger.settle(late, 10_000)  # a second settle of one hold changes nothing
    await asyncio.sleep(0.05)
    assert isinstance(await ledger.reserve("ws", (limit,), 10_000), Hold)
    assert isinstance(await ledger.reserve("ws", (limit,), 1), Refusal)
