"""``overhead.py --budgets``: a second Modelyard, configured like the first, where a user, a
group, a key and a workspace budget all apply to every benchmark call (amounts far above what
a run spends, so none refuses), measured in the same interleaved run as the one without.
``BENCH_SKIP_BUDGETS=1`` leaves the budgets out: the control (two identical servers)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import httpx
from procs import Cleanup, Pinning, Server, free_port
from report import Cell, Summary
from targets import Target, _ok, configure_modelyard, init_modelyard

AMOUNT = "1000000"


def add_budgets(base_url: str, owner_key: str) -> None:
    """The member's group, and one budget of each scope on the member and their key."""
    headers = {"authorization": f"Bearer {owner_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        users = api.get("/api/users").json()
        member = next(u for u in users if u["email"] == "bench@example.com")
        group = _ok(api.post("/api/groups", json={"name": "Bench"}), 201)
        _ok(api.put(f"/api/groups/{group['id']}/members", json={"user_ids": [member["id"]]}))
        (key,) = api.get(f"/api/users/{member['id']}/api-keys").json()
        for scope, scope_id in (
            ("workspace", None),
            ("group", group["id"]),
            ("user", member["id"]),
            ("api_key", key["id"]),
        ):
            body = {
                "scope": scope,
                "scope_id": scope_id,
                "amount_usd": AMOUNT,
                "period": "month",
                "timezone": "Europe/Berlin",
            }
            _ok(api.post("/api/budgets", json=body), 201)


def start_budgeted(
    cleanup: Cleanup,
    pinning: Pinning,
    work: Path,
    python: str,
    fake_url: str,
    extra_env: dict[str, str],
) -> Target:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {
        "MODELYARD_DATA_DIR": str(work / "data-budgets"),
        "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
        **extra_env,
    }
    owner_key = init_modelyard(python, env)
    server = cleanup.add(
        Server("modelyard budgets", [python, "-m", "modelyard", "serve", "--port", str(port)], work)
    )
    server.start(pinning.gateway, env)
    server.wait_ready(url + "/healthz")
    slug, member_key = configure_modelyard(url, owner_key, fake_url)
    if not os.environ.get("BENCH_SKIP_BUDGETS"):
        add_budgets(url, owner_key)
    return Target(
        "budgets", "Modelyard+budgets", url + "/v1/chat/completions", slug, member_key, server.pid
    )


def budget_lines(results: dict[Cell, Summary], args: argparse.Namespace) -> list[str]:
    """CPU per call with four budgets against none, and throughput against the bare proxy."""
    lines = []
    for mode in args.modes:
        for c in args.concurrency:
            mine, plain = results[("budgets", mode, c)], results[("modelyard", mode, c)]
            bare = results[("bare", mode, c)]
            cpu = 100 * (mine.cpu_ms_per_call / plain.cpu_ms_per_call - 1)
            lines.append(
                f"- budgets {mode} c={c}: CPU/call {mine.cpu_ms_per_call:.3f} ms vs "
                f"{plain.cpu_ms_per_call:.3f} ms without ({cpu:+.1f}%); {mine.rate:.0f} req/s = "
                f"{100 * mine.rate / bare.rate:.0f}% of the bare proxy ({bare.rate:.0f}), "
                f"without budgets {100 * plain.rate / bare.rate:.0f}%"
            )
    return lines
