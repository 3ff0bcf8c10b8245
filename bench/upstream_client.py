"""What one upstream call costs the gateway, by HTTP client: ours, aiohttp's, httpx's.

Run: ``.venv/bin/python bench/upstream_client.py [--calls N] [--rounds R]``. It starts the fake
provider on one core and, in this process pinned to the other, sends the same chat completion
request (JSON body, whole answer read) with each client in turn, interleaved over R rounds:
one call at a time (latency) and 16 at a time (throughput). Printed per client: the median
over rounds of the p50 latency at one connection, of the CPU this process spent per call
(``time.process_time``, so the fake's CPU is not in it) and of calls per second at 16, and the
ratios against our client. The gateway's client is ``UpstreamClient`` exactly as the gateway
uses it; aiohttp and httpx are configured as the gateway used aiohttp before (one pooled
session, no cookie jar, a read timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import Cleanup, Server, free_port, pin_self

from modelyard.providers.base import UpstreamRequest
from modelyard.providers.http import UpstreamClient

BODY = {"model": "fake-model", "messages": [{"role": "user", "content": "Say hello"}]}
HEADERS = {"authorization": "Bearer sk-bench-direct"}

Call = Callable[[], Awaitable[bytes]]


async def _ours(url: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    client = UpstreamClient(["127.0.0.1"])
    request = UpstreamRequest(url=url, headers=HEADERS, json=BODY)

    async def call() -> bytes:
        return (await client.send(request)).body

    return call, client.close


async def _aiohttp(url: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    import aiohttp

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1000, limit_per_host=0),
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=120)
    headers = {**HEADERS, "content-type": "application/json"}

    async def call() -> bytes:
        body = orjson.dumps(BODY)
        response = await session.request("POST", url, data=body, headers=headers, timeout=timeout)
        try:
            return await response.read()
        finally:
            response.release()

    return call, session.close


async def _httpx(url: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    import httpx

    client = httpx.AsyncClient(timeout=httpx.Timeout(120, connect=10))
    headers = {**HEADERS, "content-type": "application/json"}

    async def call() -> bytes:
        response = await client.post(url, content=orjson.dumps(BODY), headers=headers)
        return response.content

    return call, client.aclose


CLIENTS = {"ours (h1)": _ours, "aiohttp": _aiohttp, "httpx": _httpx}


async def _measure(
    make: Callable[..., Awaitable[tuple[Call, Callable[[], Awaitable[None]]]]], url: str, calls: int
) -> tuple[float, float, float]:
    """(p50 ms at one connection, CPU µs per call, calls/s at 16 concurrent)."""
    call, close = await make(url)
    try:
        for _ in range(50):  # warm: connections open, caches filled
            await call()
        latencies = []
        cpu0 = time.process_time()
        for _ in range(calls):
            t0 = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t0)
        cpu = (time.process_time() - cpu0) / calls * 1e6

        async def worker(n: int) -> None:
            for _ in range(n):
                await call()

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(calls // 16) for _ in range(16)))
        rate = (calls // 16 * 16) / (time.perf_counter() - t0)
        return statistics.median(latencies) * 1e3, cpu, rate
    finally:
        await close()


async def _run(url: str, calls: int, rounds: int) -> dict[str, list[tuple[float, float, float]]]:
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in CLIENTS}
    for round_no in range(rounds):
        for name, make in CLIENTS.items():
            results[name].append(await _measure(make, url, calls))
            p50, cpu, rate = results[name][-1]
            print(
                f"round {round_no + 1} {name:10} p50 {p50:.3f} ms  cpu {cpu:6.1f} us/call  "
                f"{rate:7.0f} calls/s at 16",
                file=sys.stderr,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    with Cleanup() as cleanup, tempfile.TemporaryDirectory() as work:
        fake = cleanup.add(
            Server(
                "fake provider",
                [sys.executable, "-m", "modelyard", "fake-provider", "--port", str(port)],
                Path(work),
            )
        )
        fake.start(1)
        fake.wait_ready(f"http://127.0.0.1:{port}/_fake/health")
        pin_self(0)
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        results = uvloop.run(_run(url, args.calls, args.rounds))
    medians = {
        name: tuple(statistics.median(r[i] for r in rows) for i in range(3))
        for name, rows in results.items()
    }
    base = medians["ours (h1)"]
    print(f"\n{args.calls} calls per cell, {args.rounds} interleaved rounds (medians), uvloop\n")
    print("| client | p50 ms (c=1) | CPU us/call | calls/s (c=16) | CPU vs ours |")
    print("|---|---|---|---|---|")
    for name, (p50, cpu, rate) in medians.items():
        print(f"| {name} | {p50:.3f} | {cpu:.1f} | {rate:,.0f} | {cpu / base[1]:.1f}x |")


if __name__ == "__main__":
    main()
