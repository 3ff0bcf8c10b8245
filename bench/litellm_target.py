"""LiteLLM as a comparison target of bench/overhead.py (``--with-litellm``).

The LiteLLM proxy (pinned release ``LITELLM_VERSION``) is installed once into its own virtualenv
under ``bench/.litellm-venv`` (never into the project's), configured with one model on the same
fake provider as the other targets, with a master key (so it authenticates every call as
Modelyard does) and its local price map (the machine has no internet), started on the gateway's
core with one worker. When it cannot be installed or started, the benchmark goes on without it
and says why.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import venv
from pathlib import Path

from procs import Cleanup, Pinning, Server, StartError, free_port
from report import Cell, Summary
from targets import DIRECT_KEY, UPSTREAM_MODEL, Target

LITELLM_VERSION = "1.108.7"
VENV = Path(__file__).resolve().parent / ".litellm-venv"
MASTER_KEY = "sk-bench-litellm-master-7f3a9c2e5b81d4f6"
INSTALL_TIMEOUT = 900.0


def _litellm_bin() -> Path:
    return VENV / "bin" / "litellm"


def _installed_version() -> str | None:
    python = VENV / "bin" / "python"
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def ensure_installed() -> str | None:
    """Install LiteLLM's proxy into ``VENV`` unless that release is already there; ``None`` when
    ready, else why it is not."""
    if _installed_version() == LITELLM_VERSION and _litellm_bin().exists():
        return None
    print(f"installing litellm[proxy]=={LITELLM_VERSION} into {VENV} ...", file=sys.stderr)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        done = subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "--quiet", f"litellm[proxy]=={LITELLM_VERSION}"],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"could not install LiteLLM: {exc}"
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-5:])
        return f"could not install LiteLLM {LITELLM_VERSION}:\n{tail}"
    return None


def write_config(work: Path, fake_url: str) -> Path:
    config = work / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        f"  - model_name: {UPSTREAM_MODEL}\n"
        "    litellm_params:\n"
        f"      model: openai/{UPSTREAM_MODEL}\n"
        f"      api_base: {fake_url}/v1\n"
        f"      api_key: {DIRECT_KEY}\n"
        "litellm_settings:\n"
        "  telemetry: false\n"
        "general_settings:\n"
        f"  master_key: {MASTER_KEY}\n"
    )
    return config


def start_litellm(cleanup: Cleanup, pinning: Pinning, work: Path, fake_url: str) -> Target | None:
    """LiteLLM's proxy on the gateway's core, answering; ``None`` (with a note) if it cannot."""
    problem = ensure_installed()
    if problem:
        print(f"LiteLLM comparison skipped: {problem}", file=sys.stderr)
        return None
    port = free_port()
    argv = [
        str(_litellm_bin()),
        "--config",
        str(write_config(work, fake_url)),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        "1",
    ]
    env = {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no internet: don't fetch the price map
        "LITELLM_LOG": "ERROR",
    }
    server = cleanup.add(Server("litellm", argv, work))
    server.start(pinning.gateway, env)
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(url + "/health/liveliness", timeout=120)
    except StartError as exc:
        print(f"LiteLLM comparison skipped: {exc}", file=sys.stderr)
        return None
    return Target(
        "litellm",
        f"LiteLLM {LITELLM_VERSION}",
        url + "/v1/chat/completions",
        UPSTREAM_MODEL,
        MASTER_KEY,
        server.pid,
    )


def litellm_ratio_lines(results: dict[Cell, Summary], args: argparse.Namespace) -> list[str]:
    """Modelyard against LiteLLM at each one's best concurrency, per mode (targets: 25x
    non-streaming, 20x streaming)."""
    lines = []
    for mode in args.modes:
        best: dict[str, float] = {}
        for key in ("modelyard", "litellm"):
            best[key] = max(results[(key, mode, c)].rate for c in args.concurrency)
        target = 25 if mode == "plain" else 20
        kind = "non-streaming" if mode == "plain" else "streaming"
        times = best["modelyard"] / best["litellm"] if best["litellm"] else float("inf")
        verdict = "holds" if times >= target else "misses"
        lines.append(
            f"- Modelyard {kind} throughput: {times:.1f}x LiteLLM {LITELLM_VERSION} "
            f"({best['modelyard']:.0f} vs {best['litellm']:.0f} req/s; target {target}x: "
            f"{verdict})"
        )
    return lines
