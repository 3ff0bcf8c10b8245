"""``modelyard catalog refresh`` and ``catalog updates``: the schedule's refresh, by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.catalog.refresh_source import CatalogSource, bundled_data, changed


def modelyard(data_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {
        "MODELYARD_DATA_DIR": str(data_dir),
        "MODELYARD_CATALOG_URL": url,
        "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
    }
    return subprocess.run(
        [sys.executable, "-m", "modelyard", "catalog", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refresh_and_list_from_the_command_line(tmp_path: Path) -> None:
    with CatalogSource().running() as source:
        source.serve(changed(bundled_data(), "openai/gpt-4o", "cli-1", input_price="3"))
        done = modelyard(tmp_path, source.url, "refresh")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("applied: catalog cli-1 (0 added, 1 changed")
        source.serve(b"[1, 2")
        failed = modelyard(tmp_path, source.url, "refresh")
        assert failed.returncode == 1 and "not valid JSON" in failed.stdout
        listed = modelyard(tmp_path, source.url, "updates").stdout.splitlines()
        assert [line.split("\t")[1:4] for line in listed] == [
            ["failed", "cli", "cli-1"],
            ["applied", "cli", "cli-1"],
        ]
