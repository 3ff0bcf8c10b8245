"""The bound of shared limits when some replicas cannot reach Redis (issue 12, item 3).

Real stores on the shared Redis; a replica that never reached Redis points at a closed port,
and one that loses it mid-test talks through a TCP proxy the test cuts. Windows are a minute,
so nothing ages out while a test runs: every admitted token counts against the one limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import redis

from modelyard.routing.limits import RedisLimitStore
from tests.support import free_port

pytestmark = pytest.mark.anyio

SHARED_REDIS = "redis://127.0.0.1:6379"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def prefix() -> Iterator[str]:
    value = f"test:{secrets.token_hex(6)}:"
    yield value
    with redis.Redis.from_url(SHARED_REDIS) as client:
        keys = list(client.scan_iter(match=f"{value}*"))
        if keys:
            client.delete(*keys)


class CuttableProxy:
    """A TCP proxy to the shared Redis on a port of its own: cut it, and that port refuses."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Close the port and every connection through it."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", 6379)
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@contextlib.asynccontextmanager
async def replicas(*stores: RedisLimitStore) -> AsyncIterator[tuple[RedisLimitStore, ...]]:
    try:
        for store in stores:
            await store.start()
        yield stores
    finally:
        for store in stores:
            await store.close()


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.02)


async def saturate(stores: tuple[RedisLimitStore, ...], limit: int, tokens: int = 10) -> int:
    """Reserve ``tokens`` on each store, round after round, until none admits any more."""
    admitted = 0
    for _ in range(limit):  # more rounds than could ever be admitted
        answers = await asyncio.gather(*(s.reserve("d", tokens, limit) for s in stores))
        won = sum(tokens for a in answers if a.admitted)
        if not won:
            return admitted
        admitted += won
    raise AssertionError("the stores never stopped admitting")


def fast(url: str, prefix: str = "modelyard:", expected: int | None = None) -> RedisLimitStore:
    """A store with a heartbeat every 50 ms: others count it silent after 300 ms."""
    return RedisLimitStore(
        url,
        prefix=prefix,
        expected=expected,
        heartbeat_s=0.05,
        replicas_seen_s=0.3,
        probe_interval_s=0.1,
    )


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}"  # nothing listens there


async def test_a_replica_that_never_reached_redis_refuses_without_the_setting() -> None:
    async with replicas(fast(closed_port_url())) as (silent,):
        refused = await silent.reserve("d", 10, 1000)
        assert silent.degraded and silent.share == 0
        assert not refused.admitted and 0 < refused.retry_after <= 1
        assert await silent.remaining("d", 1000) == 0


async def test_a_never_reached_replica_and_a_healthy_one_stay_within_the_limit(
    prefix: str,
) -> None:
    """The review's 1.8x: with two expected, each side admits its half, together the limit."""
    limit = 1000
    silent = fast(closed_port_url(), expected=2)
    healthy = fast(SHARED_REDIS, prefix=prefix, expected=2)
    async with replicas(silent, healthy):
        assert silent.degraded and silent.share == 2
        assert not healthy.degraded and healthy.granted == 0.5  # one of two expected is missing
        total = await saturate((silent, healthy), limit)
        assert total == limit  # 500 locally, 500 in Redis


async def test_a_replica_that_loses_redis_and_comes_back_keeps_the_total_within_the_limit(
    prefix: str,
) -> None:
    """The review's 1.2x (a replica lost Redis after seeing 3), then its recovery."""
    limit = 900
    proxy = CuttableProxy()
    await proxy.open()
    cut_off = fast(proxy.url, prefix=prefix)
    a = fast(SHARED_REDIS, prefix=prefix)
    b = fast(SHARED_REDIS, prefix=prefix)
    async with replicas(cut_off, a, b) as stores, contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(proxy.cut)
        await until(lambda: all(s.replicas == 3 and s.granted == 1.0 for s in stores))

        await proxy.cut()
        await until(lambda: cut_off.degraded)
        await until(lambda: a.granted < 0.7 and b.granted < 0.7)  # they noticed: 2/3 granted
        assert cut_off.degraded and cut_off.share == 3
        total = await saturate(stores, limit)
        assert total <= limit

        await proxy.open()
        await until(lambda: not cut_off.degraded and cut_off.granted < 0.7)  # back, held at 1/3
        total += await saturate(stores, limit)
        assert total <= limit  # what it admitted alone is not granted again in Redis


async def test_a_clean_shutdown_gives_its_share_back(prefix: str) -> None:
    a = fast(SHARED_REDIS, prefix=prefix)
    async with replicas(a):
        async with replicas(fast(SHARED_REDIS, prefix=prefix)):
            await until(lambda: a.replicas == 2)
        await until(lambda: a.replicas == 1 and a.granted == 1.0)
