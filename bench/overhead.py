"""Modelyard's gateway overhead per chat call, against calling the upstream directly and against a
bare pass-through proxy (bench/bare_proxy.py, the baseline), in one command:

    .venv/bin/python bench/overhead.py [--seconds 5] [--concurrency 1,16,64]
        [--modes plain,stream] [--rounds 1] [--client auto|aiohttp|wrk] [--quick] [--with-litellm]

It starts the fake provider, the bare proxy and Modelyard (``init --json`` in a temporary data
directory, then ``serve``) as subprocesses pinned to cores away from the load generator,
configures Modelyard through its admin API (an openai model key on the fake, a visible manual
model with prices, a deployment with a TPM limit far above what the run can use, and a member's
API key), checks one call of each kind per target, then drives closed-loop chat calls at each
concurrency, interleaving the targets (direct, bare proxy, Modelyard, direct, ...) so that drift
hits all alike. Each cell warms up, then measures for ``--seconds``: latency (and for streams
the time to the first body chunk, TTFC), errors, and the target process's CPU time per call and
peak RSS (for "direct" that process is the fake). Rounds (``--rounds``) report the median. The
CPU that other processes used during each cell is measured too: on a shared machine it is the
first thing to look at when numbers look odd.

``plain`` calls are driven by ``wrk`` when it is installed (``--client auto``), ``stream`` calls
always by the aiohttp client in bench/loadgen.py (it times the first chunk and checks every event).

Prints one markdown table and the headline ratios to stdout (progress goes to stderr). Exit
status: 0; 1 when a target did not start or answered its first calls wrongly; 3 when calls
failed during the run (they are listed under the table). Every subprocess is stopped on exit,
Ctrl-C included. Inherited ``MODELYARD_*`` variables are ignored; pass settings to Modelyard
with ``--modelyard-env NAME=VALUE``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from loadgen import Result, Spec, check_plain, check_stream, drive, drive_wrk, wrk_available
from procs import (
    Background,
    Cleanup,
    Pinning,
    Server,
    StartError,
    free_port,
    pin_self,
    plan_pinning,
)

HERE = Path(__file__).resolve().parent
# About twenty words: the fake streams its answer ("Echo: " + this) one word per chunk.
MESSAGE = (
    "Please repeat these twenty words back so that the benchmark stream carries about "
    "twenty chunks from start to end today"
)
EXPECTED = "Echo: " + MESSAGE
UPSTREAM_MODEL = "fake-model"
DIRECT_KEY = "sk-bench-direct"
TPM_LIMIT = 1_000_000_000  # the limiter runs on every call but never refuses one
MODES = ("plain", "stream")
NOISY = 0.2  # cores kept busy by other processes above which a cell is disturbed
CLIENT_SATURATED = 0.85  # share of its core above which the load generator is the bottleneck


@dataclass(frozen=True)
class Target:
    key: str  # "direct", "bare", "modelyard" (or a comparison added by a hook)
    label: str
    url: str  # its chat completions URL
    model: str
    api_key: str
    pid: int  # the process whose CPU and RSS are reported


# --- setting up ----------------------------------------------------------------------------


def _ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
    if response.status_code != status:
        raise StartError(
            f"Modelyard admin API: {response.request.method} {response.request.url.path} -> "
            f"{response.status_code} {response.text[:400]}"
        )
    body: dict[str, object] = response.json()
    return body


def init_modelyard(python: str, env: dict[str, str]) -> str:
    """``modelyard init --json`` in the data directory of ``env``; the owner's API key."""
    done = subprocess.run(
        [python, "-m", "modelyard", "init", "--json"], env=env, capture_output=True, timeout=120
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace").splitlines()
        raise StartError("modelyard init failed:\n" + "\n".join(output[-15:]))
    last = [line for line in done.stdout.decode().splitlines() if line.startswith("{")][-1]
    return str(json.loads(last)["owner_api_key"])


def configure_modelyard(base_url: str, owner_key: str, fake_url: str) -> tuple[str, str]:
    """Model key, model, deployment and a member's API key, as an admin would; (slug, key)."""
    headers = {"authorization": f"Bearer {owner_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        key = _ok(
            api.post(
                "/api/model-keys",
                json={
                    "name": "fake provider",
                    "provider": "openai",
                    "secret": "sk-bench-upstream",
                    "base_url": fake_url + "/v1",
                },
            ),
            201,
        )
        model = _ok(
            api.post(
                "/api/models",
                json={
                    "kind": "completion",
                    "display_name": "Bench Model",
                    "provider": "openai",
                    "provider_model_name": UPSTREAM_MODEL,
                    "visible": True,
                    "context_window": 128_000,
                    "max_output_tokens": 4096,
                    "input_price": 2.5,
                    "output_price": 10,
                },
            ),
            201,
        )
        deployment = {
            "key_id": key["id"],
            "model_identifier": UPSTREAM_MODEL,
            "tpm_limit": TPM_LIMIT,
        }
        _ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
        user = _ok(
            api.post("/api/users", json={"email": "bench@example.com", "role": "member"}), 201
        )
        issued = _ok(api.post(f"/api/users/{user['id']}/api-keys", json={"name": "bench"}), 201)
    return str(model["slug"]), str(issued["key"])


def start_targets(
    cleanup: Cleanup, pinning: Pinning, work: Path, python: str, extra_env: dict[str, str]
) -> list[Target]:
    fake_port, bare_port, modelyard_port = free_port(), free_port(), free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    bare_url = f"http://127.0.0.1:{bare_port}"
    modelyard_url = f"http://127.0.0.1:{modelyard_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {
        "MODELYARD_DATA_DIR": str(work / "data"),
        "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
        **extra_env,
    }
    fake = cleanup.add(
        Server(
            "fake provider",
            [python, "-m", "modelyard", "fake-provider", "--port", f"{fake_port}"],
            work,
        )
    )
    fake.start(pinning.fake)
    bare = cleanup.add(
        Server(
            "bare proxy",
            [python, str(HERE / "bare_proxy.py"), "--port", f"{bare_port}", "--upstream", fake_url],
            work,
        )
    )
    bare.start(pinning.gateway)
    owner_key = init_modelyard(python, env)
    modelyard = cleanup.add(
        Server(
            "modelyard", [python, "-m", "modelyard", "serve", "--port", f"{modelyard_port}"], work
        )
    )
    modelyard.start(pinning.gateway, env)
    fake.wait_ready(fake_url + "/_fake/health")
    bare.wait_ready(bare_url + "/healthz")
    modelyard.wait_ready(modelyard_url + "/healthz")
    slug, member_key = configure_modelyard(modelyard_url, owner_key, fake_url)
    chat = "/v1/chat/completions"
    return [
        Target("direct", "direct (fake)", fake_url + chat, UPSTREAM_MODEL, DIRECT_KEY, fake.pid),
        Target("bare", "bare proxy", bare_url + chat, UPSTREAM_MODEL, DIRECT_KEY, bare.pid),
        Target("modelyard", "Modelyard", modelyard_url + chat, slug, member_key, modelyard.pid),
    ]


def start_litellm(cleanup: Cleanup, pinning: Pinning, work: Path, fake_url: str) -> Target | None:
    """The ``--with-litellm`` hook. TODO(performance issue): fill it in.

    Start a LiteLLM proxy as a ``Server`` (``cleanup.add(...)``) pinned to ``pinning.gateway``,
    configured with one model ``fake-model`` on ``fake_url + "/v1"`` (its config file in
    ``work``), wait until it answers, and return its ``Target`` (key ``"litellm"``, its pid).
    The rounds, the first-call check, the table ("+p50 vs bare" included) and the exit status
    take an extra target as it is; add a ratio line for it in ``ratio_lines``.
    """
    print("LiteLLM comparison: not implemented in this version")
    return None


def request_body(model: str, stream: bool) -> str:
    body: dict[str, object] = {"model": model, "messages": [{"role": "user", "content": MESSAGE}]}
    if stream:
        body["stream"] = True
    return orjson.dumps(body).decode()


def check_first_calls(target: Target) -> None:
    """One plain and one streaming call, answered correctly, before any load."""
    headers = {"authorization": f"Bearer {target.api_key}", "content-type": "application/json"}
    with httpx.Client(headers=headers, timeout=30) as client:
        for stream, check in ((False, check_plain), (True, check_stream)):
            response = client.post(target.url, content=request_body(target.model, stream))
            problem = (
                check(response.content, EXPECTED)
                if response.status_code == 200
                else f"HTTP {response.status_code}: {response.text[:300]}"
            )
            if problem:
                kind = "streaming" if stream else "plain"
                raise StartError(f"{target.label}: first {kind} call failed: {problem}")


# --- running -------------------------------------------------------------------------------

Cell = tuple[str, str, int]  # (target key, mode, concurrency)


def run_cell(
    target: Target, mode: str, concurrency: int, args: argparse.Namespace, core: int | None
) -> Result:
    stream = mode == "stream"
    spec = Spec(
        url=target.url,
        headers={"authorization": f"Bearer {target.api_key}"},
        body=request_body(target.model, stream),
        stream=stream,
        expected=EXPECTED,
        concurrency=concurrency,
        warmup=args.warmup,
        seconds=args.seconds,
        pid=target.pid,
    )
    return (drive_wrk if client_for(mode, args) == "wrk" else drive)(spec, core)


def client_for(mode: str, args: argparse.Namespace) -> str:
    if mode == "plain" and args.client != "aiohttp" and wrk_available():
        return "wrk"
    return "aiohttp"


@dataclass(frozen=True)
class Summary:
    """One cell of the table, over its rounds: the median rate and percentiles, CPU per call
    pooled over every round, the peak RSS, the errors summed."""

    rate: float
    p50_ms: float
    p99_ms: float
    ttfc_p50_ms: float | None
    cpu_ms_per_call: float
    rss_mib: float
    errors: int
    error_kinds: dict[str, int]
    client_busy: float | None


def summarize(rounds: list[Result]) -> Summary:
    ttfc = [r.ttfc_p50_ms for r in rounds if r.ttfc_p50_ms is not None]
    busy = [r.client_busy for r in rounds if r.client_busy is not None]
    kinds: dict[str, int] = {}
    for r in rounds:
        for kind, count in r.error_kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
    calls = sum(r.requests for r in rounds)
    return Summary(
        rate=statistics.median(r.rate for r in rounds),
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=statistics.median(r.p99_ms for r in rounds),
        ttfc_p50_ms=statistics.median(ttfc) if ttfc else None,
        cpu_ms_per_call=1000 * sum(r.cpu_seconds for r in rounds) / max(calls, 1),
        rss_mib=max(r.max_rss for r in rounds) / 2**20,
        errors=sum(r.errors for r in rounds),
        error_kinds=kinds,
        client_busy=max(busy) if busy else None,
    )


def run_all(
    targets: list[Target], args: argparse.Namespace, pinning: Pinning, background: Background
) -> tuple[dict[Cell, Summary], dict[Cell, float]]:
    """Every cell, targets interleaved; also the cores other processes used during each."""
    cells = [(t, m, c) for m in args.modes for c in args.concurrency for t in targets]
    rounds: dict[Cell, list[Result]] = {}
    noise: dict[Cell, float] = {}
    total = len(cells) * args.rounds
    done = 0
    for round_no in range(args.rounds):
        for target, mode, concurrency in cells:
            done += 1
            before = background.snapshot()
            result = run_cell(target, mode, concurrency, args, pinning.loadgen)
            cell = (target.key, mode, concurrency)
            noise[cell] = max(noise.get(cell, 0.0), background.cores_since(before))
            rounds.setdefault(cell, []).append(result)
            busy = "" if result.client_busy is None else f", client {result.client_busy:.0%} busy"
            print(
                f"[{done}/{total}] round {round_no + 1} {mode:6} c={concurrency:<3} "
                f"{target.label:14} {result.rate:8.0f} req/s  p50 {result.p50_ms:7.2f} ms  "
                f"errors {result.errors}{busy}, others {noise[cell]:.2f} cores",
                file=sys.stderr,
                flush=True,
            )
    return {cell: summarize(results) for cell, results in rounds.items()}, noise


# --- reporting -----------------------------------------------------------------------------

COLUMNS = (
    "mode",
    "conc",
    "target",
    "req/s",
    "p50 ms",
    "p99 ms",
    "+p50 ms vs direct",
    "+p50 ms vs bare",
    "TTFC p50 ms",
    "CPU ms/call",
    "RSS MiB",
    "errors",
)


def render_table(
    targets: list[Target], results: dict[Cell, Summary], args: argparse.Namespace
) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for mode in args.modes:
        for concurrency in args.concurrency:
            direct = results[("direct", mode, concurrency)]
            bare = results[("bare", mode, concurrency)]
            for target in targets:
                r = results[(target.key, mode, concurrency)]
                vs_direct = f"{r.p50_ms - direct.p50_ms:+.2f}" if target.key != "direct" else ""
                vs_bare = (
                    f"{r.p50_ms - bare.p50_ms:+.2f}" if target.key not in ("direct", "bare") else ""
                )
                cells = (
                    mode,
                    str(concurrency),
                    target.label,
                    f"{r.rate:.0f}",
                    f"{r.p50_ms:.2f}",
                    f"{r.p99_ms:.2f}",
                    vs_direct,
                    vs_bare,
                    "" if r.ttfc_p50_ms is None else f"{r.ttfc_p50_ms:.2f}",
                    f"{r.cpu_ms_per_call:.3f}",
                    f"{r.rss_mib:.1f}",
                    str(r.errors),
                )
                lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio_lines(results: dict[Cell, Summary], args: argparse.Namespace) -> list[str]:
    lines = []
    for mode in args.modes:
        best = {
            key: max(
                ((results[(key, mode, c)], c) for c in args.concurrency), key=lambda rc: rc[0].rate
            )
            for key in ("bare", "modelyard")
        }
        (mine, mine_c), (bare, bare_c) = best["modelyard"], best["bare"]
        share = 100 * mine.rate / bare.rate if bare.rate else 0.0
        kind = "non-streaming" if mode == "plain" else "streaming"
        lines.append(
            f"- Modelyard {kind} throughput: {share:.0f}% of the bare proxy at the best "
            f"concurrency ({mine.rate:.0f} req/s at c={mine_c} vs "
            f"{bare.rate:.0f} req/s at c={bare_c})"
        )
    if 1 in args.concurrency:
        parts = []
        for mode in args.modes:
            mine = results[("modelyard", mode, 1)]
            direct, bare = results[("direct", mode, 1)], results[("bare", mode, 1)]
            parts.append(
                f"{mode} {mine.p50_ms - direct.p50_ms:+.2f} ms vs direct "
                f"({mine.p50_ms - bare.p50_ms:+.2f} ms vs bare proxy)"
            )
        lines.append("- Modelyard added p50 at concurrency 1: " + "; ".join(parts))
    return lines


def saturation_lines(targets: list[Target], results: dict[Cell, Summary]) -> list[str]:
    """Cells where the load generator itself was the bottleneck (their req/s understate)."""
    labels = {t.key: t.label for t in targets}
    busy = [
        f"{labels[key]} {mode} c={concurrency} ({r.client_busy:.0%})"
        for (key, mode, concurrency), r in results.items()
        if r.client_busy is not None and r.client_busy > CLIENT_SATURATED
    ]
    if not busy:
        return []
    return [
        f"- the load generator used most of its core in: {', '.join(busy)}; "
        "these cells measure the client as much as the target"
    ]


def noise_lines(
    targets: list[Target], noise: dict[Cell, float], pinning: Pinning, mean: float
) -> list[str]:
    """How busy other processes kept the machine: a shared machine disturbs every number."""
    labels = {t.key: t.label for t in targets}
    (key, mode, concurrency), worst = max(noise.items(), key=lambda item: item[1])
    line = (
        f"- other processes (and hypervisor steal) kept {mean:.2f} of "
        f"{pinning.cores} cores busy on average (at most {worst:.2f}, during {labels[key]} "
        f"{mode} c={concurrency})"
    )
    if worst > NOISY:
        line += "; the numbers are disturbed, rerun on a quiet machine"
    return [line]


def error_lines(targets: list[Target], results: dict[Cell, Summary]) -> list[str]:
    labels = {t.key: t.label for t in targets}
    lines = []
    for (key, mode, concurrency), r in results.items():
        for kind, count in r.error_kinds.items():
            lines.append(f"- {labels[key]} {mode} c={concurrency}: {count} x {kind}")
    return lines


# --- the command ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    def int_list(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part.strip()]

    def mode_list(text: str) -> list[str]:
        modes = [part.strip() for part in text.split(",") if part.strip()]
        if not modes or any(m not in MODES for m in modes):
            raise argparse.ArgumentTypeError(f"modes are {', '.join(MODES)}")
        return modes

    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, help="measured seconds per cell (default 5)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per cell (default 1)")
    parser.add_argument("--concurrency", type=int_list, help="default 1,16,64")
    parser.add_argument("--modes", type=mode_list, default=list(MODES), help="plain,stream")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (median)")
    parser.add_argument("--client", choices=("auto", "aiohttp", "wrk"), default="auto")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 s cells, c=1,16")
    parser.add_argument("--with-litellm", action="store_true", help="add LiteLLM (a TODO hook)")
    parser.add_argument(
        "--modelyard-env", action="append", default=[], metavar="NAME=VALUE", help="repeatable"
    )
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (1.0 if args.quick else 5.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    args.concurrency = args.concurrency or ([1, 16] if args.quick else [1, 16, 64])
    if args.client == "wrk" and not wrk_available():
        parser.error("--client wrk: wrk is not installed (Debian package wrk)")
    if any("=" not in item for item in args.modelyard_env):
        parser.error("--modelyard-env takes NAME=VALUE")
    return args


def header(args: argparse.Namespace, pinning: Pinning) -> list[str]:
    clients = ", ".join(f"{mode}: {client_for(mode, args)}" for mode in args.modes)
    return [
        f"# Modelyard gateway overhead ({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        f"modelyard {importlib.metadata.version('modelyard')}, Python {platform.python_version()}, "
        f"{pinning.cores} usable cores; {args.seconds:g} s per cell after "
        f"{args.warmup:g} s warm-up, {args.rounds} round(s); clients: {clients}",
        pinning.describe(),
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if importlib.util.find_spec("modelyard") is None:
        print(
            "modelyard is not importable: run with the project's .venv/bin/python", file=sys.stderr
        )
        return 1
    pinning = plan_pinning()
    pin_self(pinning.loadgen)
    print("\n".join(header(args, pinning)), file=sys.stderr, flush=True)
    extra_env = dict(item.split("=", 1) for item in args.modelyard_env)
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp, Cleanup() as cleanup:
        work = Path(tmp)
        try:
            targets = start_targets(cleanup, pinning, work, sys.executable, extra_env)
            if args.with_litellm:
                fake_url = targets[0].url.removesuffix("/v1/chat/completions")
                extra = start_litellm(cleanup, pinning, work, fake_url)
                targets += [extra] if extra else []
            for target in targets:
                check_first_calls(target)
        except (StartError, OSError, httpx.HTTPError) as exc:
            print(f"\nA target failed to start: {exc}", file=sys.stderr)
            return 1
        background = Background([target.pid for target in targets])
        started = background.snapshot()
        results, noise = run_all(targets, args, pinning, background)
        notes = saturation_lines(targets, results)
        notes += noise_lines(targets, noise, pinning, background.cores_since(started))
        errors = error_lines(targets, results)
        if errors:  # the servers' own words, before their logs go with the temporary directory
            errors += [
                f"\n{server.name} log (tail):\n{server.tail()}" for server in cleanup.servers
            ]
    print("\n".join(header(args, pinning)))
    print(render_table(targets, results, args))
    print()
    print("\n".join(ratio_lines(results, args) + notes))
    if errors:
        print("\nFailed calls:\n" + "\n".join(errors))
    return 3 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # every subprocess is already stopped
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
