"""The soak bench, short: 2,000 calls of its mix (plain, streamed, fallbacks, TPM refusals,
budgets, abandoned streams) against a served Modelyard leave no file descriptor and no asyncio
task behind. RSS is the long bench's business (bench/soak.py, README "Soak")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"
ARGUMENTS = (
    "--calls 2000 --warmup 500 --concurrency 8 --sample-every 1500 --settle-every 1500 "
    "--settle 9 --leaks-only"
)


def test_a_short_soak_leaks_no_descriptor_and_no_task(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SOAK), *ARGUMENTS.split()],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    verdict = re.search(r"fds (\d+) -> (\d+); tasks (\d+) -> (\d+)", done.stdout)
    assert verdict is not None, done.stdout
    fds_before, fds_after, tasks_before, tasks_after = map(int, verdict.groups())
    # A few descriptors come and go (SQLite connections, journal segments); a leak per call
    # would be hundreds here.
    assert fds_after <= fds_before + 4 and tasks_after == tasks_before
    outcomes = dict(re.findall(r"^\| ([a-z ()0-9]+) \| ([\d,]+) \|$", done.stdout, re.M))
    # Every part of the mix ran: the fallbacks answered, the limit refused some calls.
    for outcome in ("main plain", "main stream", "fallback plain", "fallback stream"):
        assert int(outcomes[outcome].replace(",", "")) > 0, outcomes
    assert int(outcomes["limited (429)"].replace(",", "")) > 0, outcomes
    assert int(outcomes["abandoned"].replace(",", "")) == 2000 // 20
