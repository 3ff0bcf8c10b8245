"""The targets of the performance issue that closed-loop cells do not show, for bench/overhead.py:

- added p99 at half of capacity: direct, the bare proxy and Modelyard driven open-loop (calls
  started at a fixed rate, latency timed from when each was due) at half of Modelyard's best
  non-streaming rate, interleaved over several rounds (``--open-loop-rounds``, default 3);
  Modelyard's median p99 minus direct's at the same rate. One p99 alone is not a number on a
  virtual machine: a single stall of the host's in a 5 s run moves it by tens of ms, for the
  bare proxy as much as for Modelyard, so every round's figure is printed too;
- start-up: a second ``modelyard serve`` on the same (configured) data directory, timed from
  its start to the first 200 from ``/healthz``;
- the RSS of a gateway-only worker: that second server, which never builds the admin API and
  web UI, loaded with non-streaming calls (the main Modelyard target was configured through
  its admin API, so it carries them: the table shows that figure).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from loadgen import Result, Spec, drive, drive_wrk, wrk_available
from procs import Cleanup, Pinning, Server, free_port, paused
from report import Cell, Summary
from targets import Target, call_spec, idle_gateways

OPEN_LOOP_CONNECTIONS = 256


@dataclass
class Extras:
    rate: float = 0.0
    p99: dict[str, list[float]] | None = None  # target key -> p99 ms at ``rate``, per round
    errors: int = 0
    startup_s: float | None = None
    gateway_only_rss_mib: float | None = None
    gateway_only_rate: float = 0.0


def _spec(target: Target, args: object, *, rate: float, concurrency: int) -> Spec:
    return call_spec(
        target,
        stream=False,
        concurrency=concurrency,
        warmup=getattr(args, "warmup", 1.0),
        seconds=getattr(args, "seconds", 5.0),
        rate=rate,
    )


def half_capacity(
    targets: list[Target], results: dict[Cell, Summary], args: object, pinning: Pinning
) -> Extras:
    extras = Extras(p99={})
    rates = [
        summary.rate
        for (key, mode, _), summary in results.items()
        if key == "modelyard" and mode == "plain"
    ]
    if not rates:
        return extras
    extras.rate = max(rates) / 2
    p99: dict[str, list[float]] = {}
    extras.p99 = p99
    rounds = max(1, getattr(args, "open_loop_rounds", 3))
    for round_no in range(rounds):
        for target in targets:
            if target.key not in ("direct", "bare", "modelyard"):
                continue
            spec = _spec(target, args, rate=extras.rate, concurrency=OPEN_LOOP_CONNECTIONS)
            with paused(idle_gateways(targets, target.pid)):
                result = drive(spec, pinning.loadgen)
            p99.setdefault(target.key, []).append(result.p99_ms)
            extras.errors += result.errors
            print(
                f"[half capacity, round {round_no + 1}] {target.label:14} {extras.rate:6.0f} req/s "
                f"open loop: p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
                f"errors {result.errors}",
                file=sys.stderr,
                flush=True,
            )
    return extras


def gateway_only(
    cleanup: Cleanup,
    pinning: Pinning,
    work: Path,
    python: str,
    mine: Target,
    args: object,
    extra_env: dict[str, str],
    idle: list[int],
) -> tuple[float, float, Result]:
    """Start a second Modelyard on the configured data directory, with the gateways ``idle``
    paused: (seconds until /healthz answered, peak RSS MiB under non-streaming load, the
    load's result)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {
        "MODELYARD_DATA_DIR": str(work / "data"),
        "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
        **extra_env,
    }
    port = free_port()
    server = cleanup.add(
        Server(
            "modelyard gateway-only",
            [python, "-m", "modelyard", "serve", "--port", f"{port}"],
            work,
        )
    )
    time.sleep(0.5)  # the first Modelyard stores its last usage batch: no SQLite lock is paused
    with paused(idle):
        return _measure_second(server, port, pinning, env, mine, args)


def _measure_second(
    server: Server,
    port: int,
    pinning: Pinning,
    env: dict[str, str],
    mine: Target,
    args: object,
) -> tuple[float, float, Result]:
    started = time.monotonic()
    server.start(pinning.gateway, env)
    server.wait_ready(f"http://127.0.0.1:{port}/healthz", poll=0.01)
    startup = time.monotonic() - started
    target = Target(
        "modelyard",
        "gateway-only",
        f"http://127.0.0.1:{port}/v1/chat/completions",
        mine.model,
        mine.api_key,
        server.pid,
    )
    spec = _spec(target, args, rate=0.0, concurrency=64)
    result = (drive_wrk if wrk_available() else drive)(spec, pinning.loadgen)
    server.stop()
    return startup, result.max_rss / 2**20, result


def extra_lines(extras: Extras) -> list[str]:
    lines = []
    if extras.p99 and "modelyard" in extras.p99 and "direct" in extras.p99:
        p99 = {key: statistics.median(values) for key, values in extras.p99.items()}
        rounds = len(extras.p99["modelyard"])

        def added(key: str) -> str:
            pairs = zip(extras.p99[key], extras.p99["direct"], strict=True)
            return ", ".join(f"{mine - direct:+.2f}" for mine, direct in pairs)

        bare = (
            f"; the bare proxy {p99['bare'] - p99['direct']:+.2f} ms (rounds {added('bare')})"
            if "bare" in p99
            else ""
        )
        lines.append(
            f"- Modelyard added p99 at half of its capacity ({extras.rate:.0f} req/s, open loop, "
            f"median of {rounds} rounds): {p99['modelyard'] - p99['direct']:+.2f} ms vs direct "
            f"(rounds {added('modelyard')}; median p99 Modelyard {p99['modelyard']:.2f} ms, "
            f"direct {p99['direct']:.2f} ms){bare}"
            + (f"; {extras.errors} calls failed" if extras.errors else "")
        )
    if extras.startup_s is not None:
        lines.append(
            f"- `modelyard serve` answered /healthz {extras.startup_s:.2f} s after it was "
            "started (a configured data directory)"
        )
    if extras.gateway_only_rss_mib is not None:
        lines.append(
            f"- RSS of a gateway-only Modelyard (never served the admin API or web UI) under "
            f"non-streaming load ({extras.gateway_only_rate:.0f} req/s, c=64): "
            f"{extras.gateway_only_rss_mib:.1f} MiB"
        )
    return lines
