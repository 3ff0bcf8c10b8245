"""The in-process limiter: sliding-window semantics, settling, and asyncio safety."""

from __future__ import annotations

import asyncio
import random

import pytest

from modelyard.routing.limits import MemoryLimitStore, Reservation, make_limit_store
from modelyard.routing.limits.memory import BUCKETS_PER_WINDOW

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the stores use asyncio directly, as the app does


class Clock:
    """A hand-driven monotonic clock, so window tests take no real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> MemoryLimitStore:
    return MemoryLimitStore(clock=clock)


async def test_admits_up_to_the_limit_then_tells_when_to_retry(
    store: MemoryLimitStore, clock: Clock
) -> None:
    first = await store.reserve("d", 60, 100)
    clock.now += 10
    second = await store.reserve("d", 40, 100)
    refused = await store.reserve("d", 1, 100)

    assert first.admitted and second.admitted
    assert not refused.admitted and refused.member == ""
    assert refused.retry_after == pytest.approx(50.0)  # when the first 60 leave the window
    assert await store.remaining("d", 100) == 0


async def test_the_window_slides_one_reservation_at_a_time(
    store: MemoryLimitStore, clock: Clock
) -> None:
    await store.reserve("d", 50, 100)
    clock.now += 30
    await store.reserve("d", 50, 100)
    clock.now += 30  # the first has just left: 50 in the window
    assert await store.remaining("d", 100) == 50
    assert (await store.reserve("d", 50, 100)).admitted
    assert not (await store.reserve("d", 50, 100)).admitted


async def test_retry_after_waits_for_enough_room_not_just_the_oldest(
    store: MemoryLimitStore, clock: Clock
) -> None:
    for _ in range(4):
        await store.reserve("d", 25, 100)
        clock.now += 5
    refused = await store.reserve("d", 60, 100)  # needs three of the four to leave
    assert refused.retry_after == pytest.approx(60 - 20 + 10)


async def test_one_request_above_the_limit_passes_only_into_an_empty_window(
    store: MemoryLimitStore, clock: Clock
) -> None:
    huge = await store.reserve("d", 500, 100)
    assert huge.admitted
    clock.now += 1
    again = await store.reserve("d", 1, 100)
    assert not again.admitted and again.retry_after == pytest.approx(59.0)

    await store.reserve("e", 10, 100)
    refused = await store.reserve("e", 500, 100)
    assert not refused.admitted
    assert refused.retry_after == pytest.approx(60.0)  # only once "e" is empty again


async def test_settle_replaces_the_estimate_with_real_usage(
    store: MemoryLimitStore, clock: Clock
) -> None:
    estimate = await store.reserve("d", 90, 100)
    await store.settle(estimate, 30)
    assert await store.remaining("d", 100) == 70
    assert (await store.reserve("d", 70, 100)).admitted

    more = await store.reserve("x", 10, 100)
    await store.settle(more, 95)  # the call used more than estimated: it counts
    assert await store.remaining("x", 100) == 5


async def test_release_gives_everything_back_and_an_empty_window_admits_anything(
    store: MemoryLimitStore,
) -> None:
    taken = await store.reserve("d", 100, 100)
    await store.release(taken)
    assert await store.remaining("d", 100) == 100
    assert (await store.reserve("d", 250, 100)).admitted


async def test_settling_twice_refused_or_expired_reservations_changes_nothing(
    store: MemoryLimitStore, clock: Clock
) -> None:
    taken = await store.reserve("d", 40, 100)
    await store.settle(taken, 10)
    await store.settle(taken, 0)
    assert await store.remaining("d", 100) == 90

    await store.settle(Reservation("d", 5, admitted=False, retry_after=1.0), 5)
    assert await store.remaining("d", 100) == 90

    clock.now += 61
    await store.settle(taken, 80)
    assert await store.remaining("d", 100) == 100


async def test_keys_are_independent(store: MemoryLimitStore) -> None:
    await store.reserve("a", 100, 100)
    assert (await store.reserve("b", 100, 100)).admitted
    assert await store.remaining("c", 100) == 100


async def test_concurrent_callers_never_share_the_last_tokens() -> None:
    store = MemoryLimitStore()

    async def call() -> bool:
        reservation = await store.reserve("d", 10, 100)
        await asyncio.sleep(0)
        return reservation.admitted

    outcomes = await asyncio.gather(*(call() for _ in range(100)))
    assert sum(outcomes) == 10


async def test_admitted_tokens_in_any_window_stay_within_limit_plus_one_request(
    store: MemoryLimitStore, clock: Clock
) -> None:
    rng = random.Random(7)
    limit, biggest = 1000, 400
    admitted: list[tuple[float, Reservation, int]] = []
    for _ in range(3000):
        clock.now += rng.uniform(0, 0.2)
        reservation = await store.reserve("d", rng.randint(1, biggest), limit)
        if reservation.admitted:
            actual = rng.randint(0, reservation.tokens + 50)
            await store.settle(reservation, actual)
            admitted.append((clock.now, reservation, actual))

    busiest = max(
        sum(a for at, _, a in admitted[i:] if at < start + 60.0)
        for i, (start, _, _) in enumerate(admitted)
    )
    assert limit * 0.8 < busiest <= limit + biggest + 50  # 50: settles may exceed estimates


@pytest.mark.parametrize(
    ("tokens", "limit", "window_s"), [(-1, 10, 60.0), (1, 0, 60.0), (1, 10, 0.0)]
)
async def test_nonsense_amounts_are_programming_errors(
    store: MemoryLimitStore, tokens: int, limit: int, window_s: float
) -> None:
    with pytest.raises(ValueError):
        await store.reserve("d", tokens, limit, window_s)


async def test_without_redis_the_factory_gives_a_memory_store() -> None:
    store = make_limit_store(None)
    assert isinstance(store, MemoryLimitStore)
    await store.start()
    await store.close()


async def test_a_busy_window_holds_at_most_its_buckets_whatever_the_rate(
    store: MemoryLimitStore, clock: Clock
) -> None:
    rate, limit = 2000, 10**12  # calls a second, for two minutes of the minute-long window
    longest = 0
    for i in range(rate * 120):
        clock.now += 1 / rate
        reservation = await store.reserve("d", 500, limit)
        await store.settle(reservation, 400 + i % 200)
        longest = max(longest, len(store._windows["d"].at))
    window = store._windows["d"]
    assert len(window) <= BUCKETS_PER_WINDOW + 1
    assert longest <= BUCKETS_PER_WINDOW + 1 + 1024  # the dead head is cut off in bulk
    # The running sum is what the live buckets hold: the last minute's settled tokens, and
    # at most one bucket (a 600th of the window: 0.1 s of calls of up to 599 tokens) more.
    assert window.used == sum(window.tokens[window.head :])
    last_minute = sum(400 + i % 200 for i in range(rate * 60, rate * 120))
    one_bucket = 599 * rate * 60 // BUCKETS_PER_WINDOW
    assert last_minute - 599 <= window.used <= last_minute + one_bucket + 599
    assert await store.remaining("d", limit) == limit - window.used


async def test_reservations_close_together_share_a_bucket_that_leaves_with_the_latest(
    store: MemoryLimitStore, clock: Clock
) -> None:
    first = await store.reserve("d", 60, 100)
    clock.now += 0.05  # within a 600th of the minute: the same bucket
    second = await store.reserve("d", 30, 100)
    assert len(store._windows["d"]) == 1
    await store.settle(first, 10)  # settling one reservation of a bucket
    assert await store.remaining("d", 100) == 60
    await store.settle(first, 99)  # twice: nothing changes
    await store.release(second)
    assert await store.remaining("d", 100) == 90
    clock.now += 59.96  # the first's minute is over, the bucket's latest's is not
    assert await store.remaining("d", 100) == 90
    clock.now += 0.05
    assert await store.remaining("d", 100) == 100
    assert "d" not in store._windows
