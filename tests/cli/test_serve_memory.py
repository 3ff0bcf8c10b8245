"""What a real ``modelyard serve`` process has imported, read from the process itself: a worker
carries only the parts it was asked to serve (the admin API, the web UI, PostgreSQL's dialect
on SQLite, ... each cost megabytes of memory), and splitting the admin API from the web UI
changed no answer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import error_of, free_port, ok

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

# Never needed to answer /healthz and /v1 on SQLite.
NOT_FOR_THE_GATEWAY = (
    "fastapi",
    "jinja2",
    "modelyard.admin_app",
    "modelyard.admin_api",
    "modelyard.web",
    "sqlalchemy.dialects.postgresql",
    "alembic",
    "numpy",
    "httpx",
    "pydantic_settings",
    "websockets",  # uvicorn runs with ws="none": no endpoint speaks WebSocket
    "argon2",  # password hashing: the gateway checks API keys only
    "typer",  # serve reads its flags with click (see modelyard.cli.serve_run)
    # The catalog's builder, loader and differ (the gateway needs its schema only).
    "modelyard.catalog.build",
    "modelyard.catalog.loader",
    "modelyard.catalog.diff",
)


def _modelyard(data_dir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env["MODELYARD_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "modelyard", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str, Callable[[], set[str]]]]:
    """A served data directory: (base URL, the owner's API key, the server's loaded modules)."""
    data_dir = tmp_path / "data"
    owner_key = json.loads(_modelyard(data_dir, "init", "--json"))["owner_api_key"]
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    (probe_dir / "sitecustomize.py").write_text(_PROBE)
    out = tmp_path / "modules.json"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {
        "MODELYARD_DATA_DIR": str(data_dir),
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

    def modules() -> set[str]:
        out.unlink(missing_ok=True)
        process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while not out.exists():
            assert time.monotonic() < deadline, "the server did not write its modules"
            time.sleep(0.02)
        return set(json.loads(out.read_text()))

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.05)
        yield base, owner_key, modules
    finally:
        process.terminate()
        process.wait(10)


def _loaded(modules: set[str], package: str) -> bool:
    return any(name == package or name.startswith(package + ".") for name in modules)


def test_a_worker_loads_the_admin_api_and_the_web_ui_only_when_asked(
    server: tuple[str, str, Callable[[], set[str]]],
) -> None:
    base, owner_key, modules = server
    auth = {"authorization": f"Bearer {owner_key}"}
    assert ok(httpx.get(base + "/healthz")) == {"status": "ok"}
    assert ok(httpx.get(base + "/v1/models", headers=auth))["object"] == "list"
    gateway_only = modules()
    assert "modelyard.gateway.app" in gateway_only  # the probe sees the server's own modules
    assert [p for p in NOT_FOR_THE_GATEWAY if _loaded(gateway_only, p)] == []

    assert ok(httpx.get(base + "/api/models", headers=auth)) == []
    with_api = modules()
    assert _loaded(with_api, "fastapi") and _loaded(with_api, "modelyard.admin_api")
    assert not _loaded(with_api, "jinja2") and not _loaded(with_api, "modelyard.web")

    page = httpx.get(base + "/login")
    assert page.status_code == 200 and "<form" in page.text
    assert _loaded(modules(), "jinja2")


def test_the_api_and_the_web_ui_answer_as_one_app(
    server: tuple[str, str, Callable[[], set[str]]],
) -> None:
    base, _, _ = server
    # The API's documentation covers the API only; the web UI's pages were never in it.
    schema = ok(httpx.get(base + "/openapi.json"))
    assert "/api/models" in schema["paths"] and "/login" not in schema["paths"]
    assert httpx.get(base + "/docs").status_code == 200
    # Trailing slashes are redirected by the router that has the path, as in one app.
    for path in ("/docs/", "/api/models/", "/login/"):
        moved = httpx.get(base + path)
        assert moved.status_code == 307 and moved.headers["location"].endswith(path[:-1]), path
    # Unknown API paths get the API's error shape; other paths the web UI's HTML 404 page.
    for path in ("/api", "/api/nowhere"):
        assert error_of(httpx.get(base + path), 404)["type"] == "not_found_error", path
    page = httpx.get(base + "/nowhere")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    # GET /healthz is answered by the main app; other methods still get the API route's 405.
    assert httpx.head(base + "/healthz").status_code == 405
    assert httpx.post(base + "/healthz").status_code == 405
    # The web UI's guard still sends a signed-out visitor to the sign-in page.
    home = httpx.get(base + "/")
    assert home.status_code == 303 and home.headers["location"] == "/login"
