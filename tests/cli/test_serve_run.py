"""``modelyard serve`` reads its flags without Typer; --help and malformed flags still get
the Typer app's help and messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelyard.cli.serve_run import parse_flags


def test_well_formed_flags_are_read() -> None:
    assert parse_flags([]) == {
        "host": None,
        "port": None,
        "workers": None,
        "data_dir": None,
        "database_url": None,
    }
    args = ["--host", "0.0.0.0", "--port=9000", "--workers", "2", "--data-dir", "/d"]
    flags = parse_flags([*args, "--database-url", "sqlite:///x.db"])
    assert flags == {
        "host": "0.0.0.0",
        "port": 9000,
        "workers": 2,
        "data_dir": Path("/d"),
        "database_url": "sqlite:///x.db",
    }


@pytest.mark.parametrize(
    "args",
    [["--workers", "0"], ["--port", "x"], ["--port"], ["--bogus"], ["extra"], ["--help"]],
)
def test_malformed_flags_are_left_to_the_typer_app(args: list[str]) -> None:
    assert parse_flags(args) is None


def _modelyard(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    return subprocess.run(
        [sys.executable, "-m", "modelyard", *args], env=env, capture_output=True, text=True
    )


def test_the_typer_app_answers_help_and_mistakes() -> None:
    helped = _modelyard("serve", "--help")
    assert helped.returncode == 0
    for flag in ("--host", "--port", "--workers", "--data-dir", "--database-url"):
        assert flag in helped.stdout
    refused = _modelyard("serve", "--workers", "0")
    assert refused.returncode == 2 and "Invalid value for '--workers'" in refused.stderr
    unknown = _modelyard("serve", "--bogus")
    assert unknown.returncode == 2 and "No such option: --bogus" in unknown.stderr
