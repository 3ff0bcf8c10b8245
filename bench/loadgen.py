"""The load generator: closed loop, ``concurrency`` clients each sending the next chat call as
soon as the previous one is answered, first for ``warmup`` seconds, then measured for
``seconds``.

Two drivers, both run in their own process pinned to the load generator's core:

- aiohttp (this file run as a script; spec as JSON on stdin, result as JSON on stdout): any
  mode; checks every answer (status 200, the echoed text exactly, for streams every event
  well-formed and a final ``[DONE]``) and times the first chunk of streams;
- ``wrk`` (when installed, non-streaming only): a small Lua script posts the body and checks the
  status and the echoed text.

Either way the target process is measured over the measured window: CPU time from
/proc/PID/stat and peak RSS from /proc/PID/status, sampled every 100 ms.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import orjson
from procs import Meter, spawn, stop

HERE = Path(__file__).resolve().parent
REQUEST_TIMEOUT = 30.0
MAX_ERROR_KINDS = 5


@dataclass
class Spec:
    url: str
    headers: dict[str, str]
    body: str  # the request's JSON text
    stream: bool
    expected: str  # the answer's text, exactly
    concurrency: int
    warmup: float
    seconds: float
    pid: int  # the process to measure
    rate: float = 0.0  # > 0: open loop, calls started at this many per second (concurrency caps)


@dataclass
class Result:
    requests: int = 0  # successful calls completed inside the measured window
    seconds: float = 0.0  # the measured window
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    ttfc_p50_ms: float | None = None
    cpu_seconds: float = 0.0
    max_rss: int = 0
    client_busy: float | None = None  # share of its core the load generator used (aiohttp)
    errors: int = 0  # failed calls, warm-up included
    error_kinds: dict[str, int] = field(default_factory=dict)
    client: str = "aiohttp"

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- checking answers ----------------------------------------------------------------------


def check_plain(data: bytes, expected: str) -> str | None:
    """None when ``data`` is a chat completion whose text is ``expected``, else the problem."""
    try:
        text = orjson.loads(data)["choices"][0]["message"]["content"]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError) as exc:
        return f"malformed body ({type(exc).__name__}): {data[:120]!r}"
    return None if text == expected else f"wrong text: {text[:80]!r}"


def check_stream(data: bytes, expected: str) -> str | None:
    """None when ``data`` is a well-formed chat stream ending in [DONE] that spells ``expected``."""
    events = data.replace(b"\r\n", b"\n").strip().split(b"\n\n")
    if events[-1] != b"data: [DONE]":
        return f"stream does not end with [DONE]: {events[-1][-80:]!r}"
    parts: list[str] = []
    for event in events[:-1]:
        if not event.startswith(b"data: "):
            return f"not an SSE data event: {event[:80]!r}"
        try:
            choices = orjson.loads(event[6:])["choices"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            return f"malformed event ({type(exc).__name__}): {event[:80]!r}"
        if choices:
            parts.append(choices[0].get("delta", {}).get("content") or "")
    text = "".join(parts)
    return None if text == expected else f"wrong text: {text[:80]!r}"


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = math.ceil(pct / 100 * len(sorted_values)) - 1
    return sorted_values[max(0, min(len(sorted_values) - 1, rank))]


# --- the aiohttp driver --------------------------------------------------------------------


async def _call(
    session: aiohttp.ClientSession, spec: Spec, body: bytes
) -> tuple[float, str | None]:
    """One call: (time of its first body chunk, problem or None)."""
    first = 0.0
    async with session.post(spec.url, data=body, headers=spec.headers) as response:
        if spec.stream:
            chunks: list[bytes] = []
            async for chunk in response.content.iter_any():
                if not first:
                    first = time.perf_counter()
                chunks.append(chunk)
            data = b"".join(chunks)
        else:
            data = await response.read()
        status = response.status
    if status != 200:
        return first, f"HTTP {status}: {data[:160]!r}"
    return first, (check_stream if spec.stream else check_plain)(data, spec.expected)


async def run_aiohttp(spec: Spec) -> Result:
    body = spec.body.encode()
    spec.headers = {"content-type": "application/json", **spec.headers}
    begin = time.perf_counter() + 0.05
    window_start = begin + spec.warmup
    window_end = window_start + spec.seconds
    latencies: list[float] = []
    ttfcs: list[float] = []
    errors: Counter[str] = Counter()

    async def worker(session: aiohttp.ClientSession) -> None:
        while (start := time.perf_counter()) < window_end:
            try:
                first, problem = await _call(session, spec, body)
            except Exception as exc:  # a broken connection or answer is an error, not a crash
                first, problem = 0.0, f"{type(exc).__name__}: {exc}"
            end = time.perf_counter()
            if problem is not None:
                errors[problem] += 1
            elif window_start <= end <= window_end:
                latencies.append((end - start) * 1000)
                if first:
                    ttfcs.append((first - start) * 1000)

    async def timed(session: aiohttp.ClientSession, due: float) -> None:
        """One open-loop call, timed from when it was due (so a slow server cannot hide its
        queue by delaying the client: no coordinated omission)."""
        try:
            first, problem = await _call(session, spec, body)
        except Exception as exc:
            first, problem = 0.0, f"{type(exc).__name__}: {exc}"
        end = time.perf_counter()
        if problem is not None:
            errors[problem] += 1
        elif window_start <= due <= window_end:
            latencies.append((end - due) * 1000)
            if first:
                ttfcs.append((first - due) * 1000)

    async def open_loop(session: aiohttp.ClientSession) -> None:
        interval = 1.0 / spec.rate
        due = begin
        calls: set[asyncio.Task[None]] = set()
        while due < window_end:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            call = asyncio.ensure_future(timed(session, due))
            calls.add(call)
            call.add_done_callback(calls.discard)
            due += interval
        if calls:
            await asyncio.wait(calls)

    async def meter() -> tuple[float, int, float]:
        await asyncio.sleep(window_start - time.perf_counter())
        target, client = Meter(spec.pid), Meter(os.getpid())
        target.start()
        client.start()
        while (left := window_end - time.perf_counter()) > 0:
            await asyncio.sleep(min(0.1, left))
            target.sample()
        cpu, rss = target.stop()
        return cpu, rss, client.stop()[0]

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=spec.concurrency),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    )
    async with session:
        await asyncio.sleep(begin - time.perf_counter())
        metered = asyncio.ensure_future(meter())
        if spec.rate > 0:
            await open_loop(session)
        else:
            await asyncio.gather(*(worker(session) for _ in range(spec.concurrency)))
        cpu, rss, client_cpu = await metered
    latencies.sort()
    ttfcs.sort()
    return Result(
        requests=len(latencies),
        seconds=spec.seconds,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        ttfc_p50_ms=percentile(ttfcs, 50) if spec.stream else None,
        cpu_seconds=cpu,
        max_rss=rss,
        client_busy=client_cpu / spec.seconds,
        errors=sum(errors.values()),
        error_kinds=dict(errors.most_common(MAX_ERROR_KINDS)),
    )


def drive(spec: Spec, core: int | None) -> Result:
    """Run one cell with the aiohttp driver in a fresh process pinned to ``core``."""
    process = spawn(
        [sys.executable, str(HERE / "loadgen.py")],
        core=core,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = process.communicate(json.dumps(asdict(spec)).encode())
    finally:
        stop(process)
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{err.decode(errors='replace')}")
    return Result(**json.loads(out))


# --- the wrk driver ------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
%(headers)s
local expected = [==[%(expected)s]==]
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; sample = "" end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, expected, 1, true) then
    bad = bad + 1
    if sample == "" then sample = "HTTP " .. status .. ": " .. string.sub(body, 1, 160) end
  end
end
function done(summary, latency, requests)
  local bad, sample = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("bad")
    if sample == "" then sample = thread:get("sample") end
  end
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), bad, e.connect + e.read + e.write + e.timeout))
  io.write("BENCH_SAMPLE " .. string.gsub(sample, "\\n", " ") .. "\\n")
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def drive_wrk(spec: Spec, core: int | None) -> Result:
    """Run one non-streaming cell with ``wrk`` pinned to ``core`` (warm-up run, then measured)."""
    assert not spec.stream, "wrk cannot time or check streams; use the aiohttp driver"
    headers = {"Content-Type": "application/json", **spec.headers}
    lua = WRK_SCRIPT % {
        "body": spec.body,
        "expected": spec.expected,
        "headers": "\n".join(f'wrk.headers["{k}"] = [==[{v}]==]' for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua)
        script.flush()

        def run(seconds: float, meter: Meter | None) -> str:
            argv = ["wrk", "-t1", f"-c{spec.concurrency}", f"-d{max(1, round(seconds))}s"]
            argv += ["--timeout", f"{REQUEST_TIMEOUT:.0f}s", "-s", script.name, spec.url]
            if meter is not None:
                meter.start()
            process = spawn(argv, core=core, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                while process.poll() is None:
                    time.sleep(0.1)
                    if meter is not None:
                        meter.sample()
                out, err = process.communicate()
            finally:
                stop(process)
            if process.returncode != 0:
                raise RuntimeError(f"wrk failed: {err.decode(errors='replace')}")
            return out.decode(errors="replace")

        if spec.warmup > 0:
            run(spec.warmup, None)
        meter = Meter(spec.pid)
        out = run(spec.seconds, meter)
    cpu, rss = meter.stop()
    numbers = next(line for line in out.splitlines() if line.startswith("BENCH ")).split()[1:]
    requests, duration_us, p50_us, p99_us, bad, socket_errors = (int(n) for n in numbers)
    sample = next(line for line in out.splitlines() if line.startswith("BENCH_SAMPLE"))[13:]
    kinds = {sample: bad} if bad else {}
    if socket_errors:
        kinds["wrk socket errors (connect/read/write/timeout)"] = socket_errors
    return Result(
        requests=requests - bad,
        seconds=duration_us / 1e6,
        p50_ms=p50_us / 1000,
        p99_ms=p99_us / 1000,
        cpu_seconds=cpu,
        max_rss=rss,
        errors=bad + socket_errors,
        error_kinds=kinds,
        client="wrk",
    )


def _main() -> None:
    spec = Spec(**json.loads(sys.stdin.buffer.read()))
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:  # the plain asyncio loop still works, only a little slower
        pass
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        result = runner.run(run_aiohttp(spec))
    sys.stdout.write(json.dumps(asdict(result)))


if __name__ == "__main__":
    _main()
