"""Per-call counters and histograms, updated by the usage recorder as each call ends.

Why not prometheus-client's own metric objects: an observation here is a few dict and list
updates (well under a microsecond each), and prometheus-client stays unimported until somebody
scrapes. Why not its multiprocess mode: each of its updates is a locked write into an mmap file;
here a worker of ``serve --workers N`` instead writes its whole snapshot to
``MODELYARD_METRICS_DIR/<pid>.json`` at most every :data:`PERSIST_S` (from the recorder's
flusher, off the request path), and the worker that is scraped adds up every file (its own live
values instead of its file). Files of workers that exited stay, so counters never go back; the
directory is emptied by ``serve`` when it starts.

Labels are bounded: the endpoint, the workspace's model slug, the status code, the deployment
id and the attempt's outcome; never a user, key or request id.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from modelyard.usage.meter import CallRecord

# Seconds; the last bucket (+Inf) is implied by the count.
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
PERSIST_S = 0.5
METRICS_DIR_ENV = "MODELYARD_METRICS_DIR"
TOKEN_TYPES = ("input", "output", "cache_read", "cache_write", "reasoning")

Histogram = list[float]  # one count per bucket, then +Inf's count, then the sum


def _new_histogram(buckets: tuple[float, ...]) -> Histogram:
    return [0.0] * (len(buckets) + 2)


def _observe(histogram: Histogram, buckets: tuple[float, ...], value: float) -> None:
    histogram[bisect.bisect_left(buckets, value)] += 1  # le is inclusive: bisect_left
    histogram[-1] += value


class CallMetrics:
    """The counters of this process; ``observe`` is called once per ended call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        self._persisted = 0.0
        self._dirty = False

    def reset(self) -> None:
        """Start from zero (a forked or spawned worker, tests of the format)."""
        self.requests: dict[tuple[str, str, str], float] = {}
        self.duration: dict[tuple[str, str], Histogram] = {}
        self.ttft: dict[tuple[str, str], Histogram] = {}
        self.tokens: dict[tuple[str, str], float] = {}
        self.cost: dict[str, float] = {}
        self.upstream_errors: dict[tuple[str, str], float] = {}

    def observe(self, call: CallRecord, ttft_s: float | None = None) -> None:
        """Count one ended call: its status, duration, time to first token (streams), tokens,
        cost and failed attempts."""
        if ttft_s is None and call.first_token_ms is not None:
            ttft_s = call.first_token_ms / 1000
        model = call.model_slug or ""
        endpoint = call.endpoint
        usage = call.usage
        with self._lock:
            key = (endpoint, model, str(call.status))
            self.requests[key] = self.requests.get(key, 0.0) + 1
            pair = (endpoint, model)
            histogram = self.duration.get(pair)
            if histogram is None:
                histogram = self.duration[pair] = _new_histogram(DURATION_BUCKETS)
            _observe(histogram, DURATION_BUCKETS, call.latency_ms / 1000)
            if ttft_s is not None:
                first = self.ttft.get(pair)
                if first is None:
                    first = self.ttft[pair] = _new_histogram(TTFT_BUCKETS)
                _observe(first, TTFT_BUCKETS, ttft_s)
            tokens = self.tokens
            for kind, count in (
                ("input", usage.input_tokens),
                ("output", usage.output_tokens),
                ("cache_read", usage.cache_read_tokens),
                ("cache_write", usage.cache_write_tokens),
                ("reasoning", usage.reasoning_tokens),
            ):
                if count:
                    tokens[(model, kind)] = tokens.get((model, kind), 0.0) + count
            if call.cost_usd:
                self.cost[model] = self.cost.get(model, 0.0) + float(call.cost_usd)
            for step in call.fallback_path:  # "slug/deployment:outcome" for a failed attempt
                where, colon, reason = step.rpartition(":")
                if colon:
                    failed = (where.rpartition("/")[2], reason)
                    self.upstream_errors[failed] = self.upstream_errors.get(failed, 0.0) + 1
            self._dirty = True

    # -- several workers ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The counters as plain JSON-able data (tuple keys joined by a NUL)."""
        with self._lock:
            return {
                name: {
                    "\0".join(k if isinstance(k, tuple) else (k,)): list(v)
                    if isinstance(v, list)
                    else v
                    for k, v in d.items()
                }
                for name, d in self._tables().items()
            }

    def _tables(self) -> dict[str, dict[Any, Any]]:
        return {
            "requests": self.requests,
            "duration": self.duration,
            "ttft": self.ttft,
            "tokens": self.tokens,
            "cost": self.cost,
            "upstream_errors": self.upstream_errors,
        }

    def persist_if_due(self, directory: Path | None = None, *, force: bool = False) -> None:
        """Write this worker's snapshot for the others to read (at most every PERSIST_S)."""
        directory = directory or metrics_dir()
        if directory is None or not (self._dirty or force):
            return
        now = time.monotonic()
        if not force and now - self._persisted < PERSIST_S:
            return
        self._persisted, self._dirty = now, False
        path = directory / f"{os.getpid()}.json"
        partial = path.with_suffix(".tmp")
        partial.write_bytes(orjson.dumps(self.snapshot()))
        os.replace(partial, path)


def metrics_dir() -> Path | None:
    """The directory the workers of one ``serve`` share, or None (a single process)."""
    value = os.environ.get(METRICS_DIR_ENV)
    return Path(value) if value else None


def merged(live: dict[str, Any], directory: Path | None) -> dict[str, Any]:
    """``live`` (this process) plus every other worker's last snapshot in ``directory``."""
    total: dict[str, dict[str, Any]] = {name: dict(table) for name, table in live.items()}
    if directory is None:
        return total
    own = f"{os.getpid()}.json"
    for path in sorted(directory.glob("*.json")):
        if path.name == own:
            continue
        try:
            other = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue  # a worker mid-write has replaced it atomically; an unreadable one: skip
        for name, table in other.items():
            into = total.setdefault(name, {})
            for key, value in table.items():
                if isinstance(value, list):
                    mine = into.get(key)
                    into[key] = (
                        value if mine is None else [a + b for a, b in zip(mine, value, strict=True)]
                    )
                else:
                    into[key] = into.get(key, 0.0) + value
    return total


CALLS = CallMetrics()
os.register_at_fork(after_in_child=CALLS.reset)
