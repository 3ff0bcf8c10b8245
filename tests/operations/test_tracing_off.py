"""Tracing off costs nothing: a real ``modelyard serve`` without ``MODELYARD_OTLP_ENDPOINT``
answers ``/v1`` without importing OpenTelemetry; with it, the same process exports its calls
(read from the process itself, as in tests/cli/test_serve_memory.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.operations.tracing_receiver import Receiver, attributes, otlp_receiver
from tests.support import free_port, ok

# Loaded into the server by PYTHONPATH: on SIGUSR1 it writes the names in sys.modules to a file.
_PROBE = """
import json, os, signal, sys

def _dump(signum, frame):
    path = os.environ["MODULES_PROBE_OUT"]
    with open(path + ".tmp", "w") as out:
        json.dump(sorted(sys.modules), out)
    os.replace(path + ".tmp", path)

signal.signal(signal.SIGUSR1, _dump)
"""


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with otlp_receiver() as running:
        yield running


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("MODELYARD_", "OTEL_"))}


def _serve_and_list_modules(tmp: Path, extra: dict[str, str]) -> tuple[set[str], str]:
    """Serve a fresh data directory, make one ``/v1`` call (request id ``req-probe``), and
    return the process's modules after it, and the owner's key."""
    data_dir = tmp / "data"
    env = _clean_env() | {"MODELYARD_DATA_DIR": str(data_dir)}
    init = subprocess.run(
        [sys.executable, "-m", "modelyard", "init", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    owner_key = json.loads(init.stdout)["owner_api_key"]
    probe_dir = tmp / "probe"
    probe_dir.mkdir()
    (probe_dir / "sitecustomize.py").write_text(_PROBE)
    out = tmp / "modules.json"
    port = free_port()
    env |= extra | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(probe_dir), env.get("PYTHONPATH")])),
        "MODULES_PROBE_OUT": str(out),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "modelyard", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.05)
        headers = {"authorization": f"Bearer {owner_key}", "x-request-id": "req-probe"}
        assert ok(httpx.get(base + "/v1/models", headers=headers))["object"] == "list"
        process.send_signal(signal.SIGUSR1)
        while not out.exists():
            assert time.monotonic() < deadline + 10, "the server did not write its modules"
            time.sleep(0.02)
        return set(json.loads(out.read_text())), owner_key
    finally:
        process.terminate()
        process.wait(10)


def _otel(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(("opentelemetry", "google.protobuf")))


def test_without_an_endpoint_a_worker_imports_no_opentelemetry(tmp_path: Path) -> None:
    modules, _ = _serve_and_list_modules(tmp_path, {})
    assert "modelyard.gateway.app" in modules  # the probe sees the server's own modules
    assert "modelyard.operations.tracing" in modules  # the hooks, which import nothing
    assert _otel(modules) == []
    assert "modelyard.operations.tracing_otel" not in modules


def test_with_an_endpoint_a_served_process_exports_its_calls(
    tmp_path: Path, receiver: Receiver
) -> None:
    modules, _ = _serve_and_list_modules(tmp_path, {"MODELYARD_OTLP_ENDPOINT": receiver.url})
    assert "modelyard.operations.tracing_otel" in modules and _otel(modules)
    # The batch processor flushes on exit at the latest (terminate: uvicorn shuts down cleanly).
    call = receiver.call_span("req-probe")
    assert call.name == "GET /v1/models"
    assert attributes(call)["http.response.status_code"] == 200
