"""The Redis limiter against a real Redis: shared limits across replicas, and a real outage."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import pytest
import redis

from modelyard.routing.limits import RedisLimitStore, make_limit_store
from tests.support import free_port

pytestmark = pytest.mark.anyio

SHARED_REDIS = "redis://127.0.0.1:6379"
LOGGER = "modelyard.routing.limits.redis_store"

T = TypeVar("T")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the store uses asyncio directly, as the app does


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test alone on the shared Redis, cleaned up afterwards."""
    value = f"test:{secrets.token_hex(6)}:"
    yield value
    with redis.Redis.from_url(SHARED_REDIS) as client:
        keys = list(client.scan_iter(match=f"{value}*"))
        if keys:
            client.delete(*keys)


@asynccontextmanager
async def replica(url: str, prefix: str, **options: Any) -> AsyncIterator[RedisLimitStore]:
    store = RedisLimitStore(url, prefix=prefix, **options)
    try:
        await store.start()
        yield store
    finally:
        await store.close()


async def test_reserve_refuse_settle_release_and_remaining(prefix: str) -> None:
    async with replica(SHARED_REDIS, prefix) as store:
        first = await store.reserve("d", 60, 100, window_s=1.0)
        refused = await store.reserve("d", 60, 100, window_s=1.0)
        assert first.admitted and first.origin == "redis" and first.member
        assert not refused.admitted and 0.9 < refused.retry_after <= 1.0

        await store.settle(first, 10)
        assert await store.remaining("d", 100, window_s=1.0) == 90
        second = await store.reserve("d", 60, 100, window_s=1.0)
        assert second.admitted
        await store.release(second)
        assert await store.remaining("d", 100, window_s=1.0) == 90
        assert not store.degraded


async def test_retry_after_is_when_the_request_fits(prefix: str) -> None:
    async with replica(SHARED_REDIS, prefix) as store:
        await store.reserve("d", 80, 100, window_s=1.0)
        refused = await store.reserve("d", 50, 100, window_s=1.0)
        await asyncio.sleep(refused.retry_after + 0.01)
        assert (await store.reserve("d", 50, 100, window_s=1.0)).admitted


async def test_one_big_request_passes_only_into_an_empty_window(prefix: str) -> None:
    async with replica(SHARED_REDIS, prefix) as store:
        assert (await store.reserve("d", 500, 100, window_s=1.0)).admitted
        assert not (await store.reserve("d", 1, 100, window_s=1.0)).admitted
        assert (await store.reserve("e", 1, 100, window_s=1.0)).admitted
        assert not (await store.reserve("e", 500, 100, window_s=1.0)).admitted


async def test_keys_expire_after_the_window(prefix: str) -> None:
    async with replica(SHARED_REDIS, prefix) as store:
        await store.reserve("d", 5, 100, window_s=1.0)
    with redis.Redis.from_url(SHARED_REDIS) as client:
        keys = list(client.scan_iter(match=f"{prefix}tpm:*"))
        assert len(keys) == 2
        assert all(0 < client.pttl(key) <= 2000 for key in keys)


async def test_two_replicas_share_one_limit(prefix: str) -> None:
    limit, biggest, window = 1000, 200, 1.0
    admitted: list[tuple[float, int]] = []
    async with (
        replica(SHARED_REDIS, prefix, heartbeat_s=0.05) as a,
        replica(SHARED_REDIS, prefix, heartbeat_s=0.05) as b,
    ):

        async def caller(store: RedisLimitStore, seed: int) -> None:
            tokens = 50 + seed * 30
            deadline = time.monotonic() + 2.5
            while time.monotonic() < deadline:
                reservation = await store.reserve("d", tokens, limit, window)
                if reservation.admitted:
                    admitted.append((time.monotonic(), tokens))
                await asyncio.sleep(0.005)

        await asyncio.gather(*(caller(store, i) for i, store in enumerate([a, b, a, b, a, b])))
        assert a.replicas == b.replicas == 2

    # The client sees each admission a little after Redis made it: allow 50 ms for that.
    busiest = max(
        sum(tokens for at, tokens in admitted[i:] if at < start + window - 0.05)
        for i, (start, _) in enumerate(admitted)
    )
    assert limit * 0.8 < busiest <= limit + biggest
    assert sum(tokens for _, tokens in admitted) < 3.5 * limit  # ~2.5 windows, not 2x that


async def test_the_factory_gives_a_redis_store_for_a_url() -> None:
    store = make_limit_store(SHARED_REDIS)
    assert isinstance(store, RedisLimitStore)
    await store.close()


# -- a real outage: our own redis-server, killed and restarted ---------------------------------


@contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)
        yield process
    finally:
        process.kill()
        process.wait()


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.02)


async def timed(call: Awaitable[T]) -> tuple[T, float]:
    started = time.monotonic()
    result = await call
    return result, time.monotonic() - started


async def test_an_outage_degrades_to_a_local_share_and_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    port = free_port()
    url = f"redis://127.0.0.1:{port}"
    options = {"heartbeat_s": 0.05, "probe_interval_s": 0.2}
    with redis_server(port) as server:
        async with replica(url, "t:", **options) as a, replica(url, "t:", **options) as b:
            await until(lambda: a.replicas == b.replicas == 2)  # both heartbeats saw both
            before = await a.reserve("d", 30, 100)
            assert before.origin == "redis"

            server.kill()
            server.wait()
            answer, took = await timed(a.reserve("d", 30, 100))
            assert took < 0.5 and a.degraded
            assert answer.origin == "memory" and answer.admitted  # 30 of a share of 100 // 2

            outcomes = []
            for _ in range(5):
                answer, took = await timed(a.reserve("d", 10, 100))
                assert took < 0.5
                outcomes.append(answer.admitted)
            assert outcomes == [True, True, False, False, False]  # 30 + 10 + 10 = 100 // 2
            _, took = await timed(a.settle(before, 0))  # lives in Redis: kept, not waited on
            assert took < 0.5
            remaining, took = await timed(b.remaining("d", 100))
            assert took < 0.5 and b.degraded and remaining == 50

            warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert len(warnings) == 2  # one per replica, however many calls failed
            assert "1/2" in warnings[0].getMessage()

            with redis_server(port):
                deadline = time.monotonic() + 3
                while a.degraded or b.degraded:
                    assert time.monotonic() < deadline, "the stores never recovered"
                    await a.remaining("d", 100)
                    await b.remaining("d", 100)
                    await asyncio.sleep(0.05)
                back = await a.reserve("d", 30, 100)
                assert back.admitted and back.origin == "redis"
                infos = [r for r in caplog.records if "reachable again" in r.getMessage()]
                assert len(infos) == 2


async def test_the_failing_call_itself_switches_to_degraded_mode() -> None:
    """Without a heartbeat to notice first, the first call after the outage must cope."""
    port = free_port()
    with redis_server(port) as server:
        store = RedisLimitStore(f"redis://127.0.0.1:{port}", prefix="t:")  # never started
        try:
            assert (await store.reserve("d", 10, 100)).origin == "redis"
            server.kill()
            server.wait()
            answer, took = await timed(store.reserve("d", 10, 100))
            assert took < 0.5 and store.degraded
            assert answer.admitted and answer.origin == "memory"
            assert store.replicas == 1  # never saw another replica: the whole limit is its own
        finally:
            await store.close()
