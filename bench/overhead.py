"""Modelyard's gateway overhead per chat call, against calling the upstream directly and against a
bare pass-through proxy (bench/bare_proxy.py, the baseline), in one command:

    .venv/bin/python bench/overhead.py [--seconds 5] [--concurrency 1,16,64]
        [--modes plain,stream] [--rounds 1] [--client auto|aiohttp|wrk] [--quick] [--with-litellm]
        [--budgets]
        [--layout own-core|shared]

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

After the cells (see bench/extra_checks.py): direct, the bare proxy and Modelyard driven open-loop
at half of Modelyard's best non-streaming rate (added p99 at half of capacity), and a second
``modelyard serve`` on the configured data directory, timed to its first ``/healthz`` and then
loaded with non-streaming calls for the RSS of a server that never built the admin API/web UI.

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
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from budgets_target import budget_lines, start_budgeted
from extra_checks import extra_lines, gateway_only, half_capacity
from litellm_target import litellm_ratio_lines, start_litellm
from loadgen import Result, drive, drive_wrk, wrk_available
from procs import (
    LAYOUTS,
    Background,
    Cleanup,
    Pinning,
    StartError,
    paused,
    pin_self,
    plan_pinning,
)
from report import (
    Cell,
    Summary,
    error_lines,
    noise_lines,
    ratio_lines,
    render_table,
    saturation_lines,
    summarize,
)
from targets import Target, call_spec, check_first_calls, idle_gateways, start_targets

MODES = ("plain", "stream")


# --- running -------------------------------------------------------------------------------


def run_cell(
    target: Target, mode: str, concurrency: int, args: argparse.Namespace, core: int | None
) -> Result:
    spec = call_spec(
        target,
        stream=mode == "stream",
        concurrency=concurrency,
        warmup=args.warmup,
        seconds=args.seconds,
    )
    return (drive_wrk if client_for(mode, args) == "wrk" else drive)(spec, core)


def client_for(mode: str, args: argparse.Namespace) -> str:
    if mode == "plain" and args.client != "aiohttp" and wrk_available():
        return "wrk"
    return "aiohttp"


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
            with paused(idle_gateways(targets, target.pid)):
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
    parser.add_argument(
        "--open-loop-rounds",
        type=int,
        default=3,
        help="rounds of the open-loop p99 at half capacity (median; default 3)",
    )
    parser.add_argument("--client", choices=("auto", "aiohttp", "wrk"), default="auto")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 s cells, c=1,16")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="own-core",
        help="with 2 cores: the gateway alone on a core (own-core) or beside the fake (shared)",
    )
    parser.add_argument(
        "--with-litellm",
        action="store_true",
        help="add LiteLLM (installed into bench/.litellm-venv on first use)",
    )
    parser.add_argument(
        "--budgets",
        action="store_true",
        help="add a second Modelyard where a user, a group, a key and a workspace budget apply",
    )
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
    pinning = plan_pinning(args.layout)
    pin_self(pinning.loadgen)
    print("\n".join(header(args, pinning)), file=sys.stderr, flush=True)
    extra_env = dict(item.split("=", 1) for item in args.modelyard_env)
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp, Cleanup() as cleanup:
        work = Path(tmp)
        try:
            targets = start_targets(cleanup, pinning, work, sys.executable, extra_env)
            if args.budgets:  # the same Modelyard with four budgets on every call
                fake_url = targets[0].url.removesuffix("/v1/chat/completions")
                targets.append(
                    start_budgeted(cleanup, pinning, work, sys.executable, fake_url, extra_env)
                )
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
        extras = half_capacity(targets, results, args, pinning)
        mine = next(target for target in targets if target.key == "modelyard")
        extras.startup_s, extras.gateway_only_rss_mib, alone = gateway_only(
            cleanup, pinning, work, sys.executable, mine, args, extra_env, idle_gateways(targets)
        )
        extras.gateway_only_rate = alone.rate
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
    compared = (
        litellm_ratio_lines(results, args) if any(t.key == "litellm" for t in targets) else []
    )
    budgeted = budget_lines(results, args) if args.budgets else []
    print("\n".join(ratio_lines(results, args) + extra_lines(extras) + budgeted + compared + notes))
    if errors:
        print("\nFailed calls:\n" + "\n".join(errors))
    return 3 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # every subprocess is already stopped
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
