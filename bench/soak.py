"""Soak: does a serving Modelyard stay flat over a million calls? One command:

    .venv/bin/python bench/soak.py [--calls 1000000] [--warmup 20000] [--concurrency 16]
        [--sample-every 50000] [--settle-every 200000] [--settle 10] [--leaks-only]
        [--tracemalloc]

It starts the fake provider and ``modelyard serve`` (through bench/soak_serve.py, which only
adds a task count on SIGUSR1) as subprocesses, configured as an admin would: the benchmark
model with a TPM limit on its deployment (bench/targets.py), a model whose only deployment
fails (``fail-500``) with the benchmark model as its fallback, a model with a TPM limit small
enough that most of its calls get 429, and four budgets (workspace, group, user, key) on every
call (bench/budgets_target.py). Then it drives a fixed mix of calls, checking every answer:

    plain 9 : streamed 5 : fallback plain 2 : fallback streamed 1 : limited 2 : abandoned 1

(abandoned: a stream the client drops after its first chunk). After ``--warmup`` calls and
again after the last, the client closes its connections and waits ``--settle`` seconds (the
gateway's idle upstream connections expire after 4 s), then reads the server's RSS, threads
and open file descriptors from /proc/<pid>/status and /proc/<pid>/fd, and its asyncio task
count from the probe. RSS is also sampled every ``--sample-every`` calls under load, and a
settled measurement taken every ``--settle-every`` (each printed to stderr as it is taken, so
a run stopped early still tells).

Verdict (exit status 2 when it fails): RSS grew by less than 5 MiB from the warm-up
measurement to the last, the tasks are as many as then and the descriptors at most
``FD_SLACK`` more (``--leaks-only``:
those two only, for the short smoke run of tests/soak, too short to say anything of RSS). Exit
status 3:
calls answered wrongly (listed). A bench, not a test: at 1 M calls it runs for an hour or more
on a shared two-core machine. Inherited ``MODELYARD_*`` variables are ignored.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import orjson
from budgets_target import add_budgets
from loadgen import check_plain, check_stream
from procs import Cleanup, Server, StartError, free_port
from targets import EXPECTED, UPSTREAM_MODEL, _ok, configure_modelyard, init_modelyard

HERE = Path(__file__).resolve().parent
RSS_LIMIT = 5 * 1024 * 1024
# Descriptors that come and go with no call to blame (a pooled SQLite connection, a usage
# journal segment): a leak of one per call, or per thousand, is far past this.
FD_SLACK = 4
# The mix, one entry per call in turn: (model, stream, how the answer is checked).
MIX = (
    [("main", False, "ok")] * 9
    + [("main", True, "ok")] * 5
    + [("fallback", False, "fallback"), ("fallback", False, "fallback")]
    + [("fallback", True, "fallback")]
    + [("limited", False, "ok-or-429")] * 2
    + [("main", True, "abandon")]
)


@dataclass
class Snapshot:
    calls: int
    rss: int
    fds: int
    threads: int
    tasks: int | None = None  # only when settled


@dataclass(frozen=True)
class Soak:
    base_url: str
    pid: int
    probe: Path
    models: dict[str, str]  # "main", "fallback", "limited": slugs
    member_key: str


# --- setting up ----------------------------------------------------------------------------


def _model(api: httpx.Client, key_id: str, name: str, identifier: str, tpm: int | None) -> dict:
    model = _ok(
        api.post(
            "/api/models",
            json={
                "kind": "completion",
                "display_name": name,
                "provider": "openai",
                "provider_model_name": identifier,
                "visible": True,
                "context_window": 128_000,
                "max_output_tokens": 256,
                "input_price": 2.5,
                "output_price": 10,
            },
        ),
        201,
    )
    deployment: dict[str, object] = {"key_id": key_id, "model_identifier": identifier}
    if tpm is not None:
        deployment["tpm_limit"] = tpm
    _ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
    return model


def add_soak_models(base_url: str, owner_key: str, main_slug: str) -> dict[str, str]:
    """The failing model (falling back to the main one) and the tightly limited one."""
    headers = {"authorization": f"Bearer {owner_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        (key,) = api.get("/api/model-keys").json()
        main = next(m for m in api.get("/api/models").json() if m["slug"] == main_slug)
        failing = _model(api, key["id"], "Soak Failing", "fail-500", None)
        _ok(api.put(f"/api/models/{failing['id']}/fallbacks", json={"fallbacks": [main["id"]]}))
        limited = _model(api, key["id"], "Soak Limited", UPSTREAM_MODEL, 2_000)
    return {"main": main_slug, "fallback": failing["slug"], "limited": limited["slug"]}


def start(work: Path, cleanup: Cleanup, *, trace: bool = False) -> Soak:
    python = sys.executable
    fake_port, port = free_port(), free_port()
    fake_url, base_url = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{port}"
    probe = work / "tasks.probe"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {
        "MODELYARD_DATA_DIR": str(work / "data"),
        "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
        "SOAK_PROBE_FILE": str(probe),
    }
    if trace:
        env["SOAK_TRACEMALLOC"] = "1"
    fake = cleanup.add(
        Server("fake", [python, "-m", "modelyard", "fake-provider", "--port", str(fake_port)], work)
    )
    fake.start(None, env)
    owner_key = init_modelyard(python, env)
    argv = [python, str(HERE / "soak_serve.py"), "serve", "--port", str(port)]
    served = cleanup.add(Server("modelyard", argv, work))
    served.start(None, env)
    fake.wait_ready(fake_url + "/_fake/health")
    served.wait_ready(base_url + "/healthz", timeout=120)
    main_slug, member_key = configure_modelyard(base_url, owner_key, fake_url)
    add_budgets(base_url, owner_key)
    models = add_soak_models(base_url, owner_key, main_slug)
    return Soak(base_url, served.pid, probe, models, member_key)


# --- measuring -----------------------------------------------------------------------------


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def snapshot(soak: Soak, calls: int, *, tasks: bool = False) -> Snapshot:
    status = _status(soak.pid)
    rss = int(status["VmRSS"].split()[0]) * 1024
    fds = len(os.listdir(f"/proc/{soak.pid}/fd"))
    return Snapshot(calls, rss, fds, int(status["Threads"]), task_count(soak) if tasks else None)


def task_count(soak: Soak) -> int:
    """The server's asyncio tasks, from bench/soak_serve.py's SIGUSR1 probe."""
    before = soak.probe.read_text().split()[0] if soak.probe.exists() else "0"
    os.kill(soak.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if soak.probe.exists():
            sequence, count = soak.probe.read_text().split()
            if sequence != before:
                return int(count)
        time.sleep(0.01)
    raise StartError("the server did not answer the task probe")


# --- driving -------------------------------------------------------------------------------


async def _one(
    session: aiohttp.ClientSession, soak: Soak, index: int, outcomes: Counter[str]
) -> None:
    model, stream, check = MIX[index % len(MIX)]
    body = orjson.dumps(
        {
            "model": soak.models[model],
            "messages": [{"role": "user", "content": EXPECTED[6:]}],
            "stream": stream,
        }
    )
    async with session.post(f"{soak.base_url}/v1/chat/completions", data=body) as response:
        if check == "abandon":
            await response.content.readany()
            response.close()  # drops the connection in the middle of the stream
            outcomes["abandoned"] += 1
            return
        data = await response.read()
        status, answered_by = response.status, response.headers.get("x-modelyard-model")
    if check == "ok-or-429" and status == 429:
        outcomes["limited (429)"] += 1
        return
    problem = None if status == 200 else f"HTTP {status}: {data[:160]!r}"
    if problem is None:
        problem = (check_stream if stream else check_plain)(data, EXPECTED)
    if problem is None and check == "fallback" and answered_by != soak.models["main"]:
        problem = f"answered by {answered_by!r}, not the fallback"
    outcomes[f"{model} {'stream' if stream else 'plain'}" if problem is None else problem] += 1


async def drive(
    soak: Soak, first: int, last: int, concurrency: int, outcomes: Counter[str]
) -> None:
    """Calls ``first`` to ``last - 1`` of the mix, ``concurrency`` at a time, on fresh
    connections (closed when done)."""
    counter = itertools.count(first)
    headers = {"authorization": f"Bearer {soak.member_key}", "content-type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, timeout=timeout
    ) as session:

        async def worker() -> None:
            while (index := next(counter)) < last:
                try:
                    await _one(session, soak, index, outcomes)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    outcomes[f"client error: {type(exc).__name__}"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def settled(soak: Soak, calls: int, settle: float, *, trace: bool = False) -> Snapshot:
    time.sleep(settle)
    taken = snapshot(soak, calls, tasks=True)
    if trace:  # the allocations that grew since the first settled point, to stderr
        grown = Path(f"{soak.probe}.tracemalloc")
        grown.unlink(missing_ok=True)
        os.kill(soak.pid, signal.SIGUSR2)
        deadline = time.monotonic() + 120
        while not grown.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        print(f"allocations grown by {calls:,} calls:\n{grown.read_text()}", file=sys.stderr)
    return taken


# --- reporting -----------------------------------------------------------------------------


def mib(value: int) -> str:
    return f"{value / 1048576:.2f} MiB"


def report(
    args: argparse.Namespace, base: Snapshot, end: Snapshot, samples: list[Snapshot], seconds: float
) -> bool:
    growth = end.rss - base.rss
    no_leak = end.fds <= base.fds + FD_SLACK and end.tasks == base.tasks
    ok = no_leak and (args.leaks_only or growth < RSS_LIMIT)
    print(f"## Soak: {end.calls:,} calls ({args.concurrency} at a time) in {seconds:.0f} s\n")
    print("| after | RSS | threads | fds | tasks |\n|---|---|---|---|---|")
    for s in samples:
        tasks = "" if s.tasks is None else str(s.tasks)
        settled_mark = " (settled)" if s.tasks is not None else ""
        print(f"| {s.calls:,}{settled_mark} | {mib(s.rss)} | {s.threads} | {s.fds} | {tasks} |")
    print(
        f"\nRSS growth after warm-up ({base.calls:,} calls): {mib(growth)} "
        f"(limit {mib(RSS_LIMIT)}); fds {base.fds} -> {end.fds}; tasks {base.tasks} -> "
        f"{end.tasks}; threads {base.threads} -> {end.threads}: {'PASS' if ok else 'FAIL'}"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--warmup", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sample-every", type=int, default=50_000)
    parser.add_argument("--settle-every", type=int, default=200_000)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--leaks-only", action="store_true", help="judge fds and tasks, not RSS")
    parser.add_argument("--tracemalloc", action="store_true", help="report growing allocations")
    args = parser.parse_args()
    outcomes: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, Cleanup() as cleanup:
        soak = start(Path(tmp), cleanup, trace=args.tracemalloc)
        started = time.monotonic()
        print(f"started; warming up with {args.warmup:,} calls", file=sys.stderr)
        asyncio.run(drive(soak, 0, args.warmup, args.concurrency, outcomes))
        base = settled(soak, args.warmup, args.settle, trace=args.tracemalloc)
        print(f"after warm-up: {base}", file=sys.stderr)
        samples = [base]
        done = args.warmup
        while done < args.calls:
            upto = min(args.calls, done + args.sample_every)
            asyncio.run(drive(soak, done, upto, args.concurrency, outcomes))
            done = upto
            rate = done / (time.monotonic() - started)
            if done == args.calls or (done - args.warmup) % args.settle_every == 0:
                samples.append(settled(soak, done, args.settle, trace=args.tracemalloc))
            else:
                samples.append(snapshot(soak, done))
            print(f"{rate:.0f} calls/s: {samples[-1]}", file=sys.stderr)
        if done == args.warmup:
            samples.append(settled(soak, done, args.settle, trace=args.tracemalloc))
        end = samples[-1]
        flat = report(args, base, end, samples, time.monotonic() - started)
    print("\n| outcome | calls |\n|---|---|")
    for outcome, count in sorted(outcomes.items(), key=lambda item: -item[1]):
        print(f"| {outcome} | {count:,} |")
    expected = ("main ", "fallback ", "limited ", "abandoned")
    wrong = {k: v for k, v in outcomes.items() if not k.startswith(expected)}
    if wrong:
        sys.exit(3)
    if not flat:
        sys.exit(2)


if __name__ == "__main__":
    main()
