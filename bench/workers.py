"""Does ``modelyard serve --workers N`` use N cores, and does throughput grow with N?

    .venv/bin/python bench/workers.py [--workers 1,2] [--seconds 5] [--concurrency 64]
        [--modes plain,stream]

Starts the fake provider, configures one Modelyard data directory through the admin API (as
bench/overhead.py does), then for each N serves it with ``modelyard serve --workers N`` and
drives chat calls at it (``wrk`` for plain calls when installed, else and for streams the
aiohttp driver). Nothing is pinned: the workers, the fake and the load generator share the
machine's cores, as they would in production. Prints one markdown table: req/s, p50, the cores
the worker processes kept busy (their CPU time over the measured window) and the speed-up over
one worker. Exit status 1 when a server did not start, 3 when calls failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from loadgen import Result, Spec, drive, drive_wrk, wrk_available
from procs import Cleanup, Server, StartError, cpu_seconds, free_port
from targets import EXPECTED, configure_modelyard, init_modelyard, request_body


def worker_pids(supervisor: int) -> list[int]:
    """The supervisor's child processes (uvicorn's workers), from /proc."""
    children: list[int] = []
    for task in os.listdir(f"/proc/{supervisor}/task"):
        try:
            with open(f"/proc/{supervisor}/task/{task}/children") as file:
                children += [int(pid) for pid in file.read().split()]
        except OSError:
            continue
    return children


def measure(
    server: Server, url: str, key: str, slug: str, mode: str, args: argparse.Namespace
) -> tuple[Result, float]:
    stream = mode == "stream"
    spec = Spec(
        url=url,
        headers={"authorization": f"Bearer {key}"},
        body=request_body(slug, stream),
        stream=stream,
        expected=EXPECTED,
        concurrency=args.concurrency,
        warmup=0.0,
        seconds=args.seconds,
        pid=server.pid,
    )
    pids = worker_pids(server.pid) or [server.pid]
    driver = drive_wrk if (not stream and wrk_available()) else drive
    drive(Spec(**{**spec.__dict__, "seconds": 1.0}), None)  # warm every worker up
    before, started = sum(cpu_seconds(pid) for pid in pids), time.monotonic()
    result = driver(spec, None)
    elapsed = time.monotonic() - started
    cores = (sum(cpu_seconds(pid) for pid in pids) - before) / elapsed
    return result, cores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="worker counts to compare (1,2)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--modes", default="plain,stream")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    modes = [m for m in args.modes.split(",") if m]
    python = sys.executable
    rows: list[str] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="modelyard-workers-") as tmp, Cleanup() as cleanup:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
        env |= {
            "MODELYARD_DATA_DIR": str(work / "data"),
            "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
        }
        fake_port = free_port()
        fake_url = f"http://127.0.0.1:{fake_port}"
        fake = cleanup.add(
            Server(
                "fake provider",
                [python, "-m", "modelyard", "fake-provider", "--port", f"{fake_port}"],
                work,
            )
        )
        try:
            fake.start(None)
            fake.wait_ready(fake_url + "/_fake/health")
            owner_key = init_modelyard(python, env)
            slug = member_key = ""
            base: dict[str, float] = {}
            for count in counts:
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                server = cleanup.add(
                    Server(
                        f"modelyard {count} workers",
                        [
                            python,
                            "-m",
                            "modelyard",
                            "serve",
                            "--port",
                            f"{port}",
                            "--workers",
                            f"{count}",
                        ],
                        work,
                    )
                )
                server.start(None, env)
                server.wait_ready(url + "/healthz")
                if not slug:
                    slug, member_key = configure_modelyard(url, owner_key, fake_url)
                for mode in modes:
                    result, cores = measure(
                        server, url + "/v1/chat/completions", member_key, slug, mode, args
                    )
                    failed = failed or result.errors > 0
                    base.setdefault(mode, result.rate)
                    speedup = result.rate / base[mode] if base[mode] else 0.0
                    rows.append(
                        f"| {mode} | {count} | {result.rate:,.0f} | {result.p50_ms:.2f} | "
                        f"{cores:.2f} | {speedup:.2f}x | {result.errors} |"
                    )
                    print(
                        f"workers={count} {mode}: {result.rate:.0f} req/s, {cores:.2f} cores",
                        file=sys.stderr,
                    )
                server.stop()
        except StartError as exc:
            print(f"\nA server failed to start: {exc}", file=sys.stderr)
            return 1
    print(
        f"# modelyard serve --workers N ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} cores, c={args.concurrency}, {args.seconds:g} s per cell, "
        "nothing pinned)\n"
    )
    print("| mode | workers | req/s | p50 ms | cores used by the workers | vs 1 worker | errors |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
