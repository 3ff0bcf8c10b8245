"""``modelyard serve --workers 2`` as a subprocess: ``/metrics`` adds up both workers' calls,
needs its bearer token when one is set, and the server writes one JSON line per call with no
prompt text in it (issue 17, items 2 and 3)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from modelyard.services import Services
from modelyard.settings import Settings
from modelyard.testing import FakeProvider
from modelyard.workspace.bootstrap import create_workspace
from tests.gateway.setup import add_model
from tests.operations.metrics_scrape import scrape, until, value
from tests.support import RunningServer, Workspace, free_port

TOKEN = "metrics-" + secrets.token_hex(8)
PROMPT = "secret-prompt-" + secrets.token_hex(4)


@dataclass
class Served:
    ws: Workspace
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("serve-metrics")
    services = Services.build(Settings(data_dir=data_dir, secret_key=None))
    with services.session() as session:
        done = create_workspace(session, "T", "owner@example.com", None, web_login=False)
    services.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {
        "MODELYARD_DATA_DIR": str(data_dir),
        "MODELYARD_ALLOWED_UPSTREAM_HOSTS": "127.0.0.1",
        "MODELYARD_METRICS_TOKEN": TOKEN,
        "MODELYARD_LOG_FORMAT": "json",
    }
    log = data_dir / "server.log"
    command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port), "--workers", "2"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        server = RunningServer(base, services, "sqlite")
        yield Served(Workspace(server, done.workspace_id, done.owner_id, done.owner_api_key), log)
    finally:
        process.terminate()
        process.wait(10)


def _call_lines(log: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in log.read_bytes().splitlines():
        if raw.startswith(b"{"):
            line = orjson.loads(raw)
            if line.get("logger") == "modelyard.calls":
                lines.append(line)
    return lines


def test_the_token_is_required(served: Served) -> None:
    base = served.ws.server.base_url
    assert httpx.get(base + "/metrics").status_code == 401
    wrong = httpx.get(base + "/metrics", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and TOKEN not in wrong.text
    basic = httpx.get(base + "/metrics", headers={"authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    right = httpx.get(base + "/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200 and "# TYPE modelyard_requests_total counter" in right.text
    assert ("modelyard_limiter_degraded", frozenset()) in scrape(base, TOKEN)


def test_both_workers_calls_are_counted_and_logged(served: Served, fake: FakeProvider) -> None:
    ws = served.ws
    model = add_model(ws, fake, display_name="served " + secrets.token_hex(2))
    body = {"model": model["slug"], "messages": [{"role": "user", "content": PROMPT}]}
    request_ids: list[str] = []
    pids: set[int] = set()

    def call(_: int) -> str:
        with ws.owner() as api:  # a new connection each: the kernel hands it to either worker
            answer = api.post("/v1/chat/completions", json=body)
        assert answer.status_code == 200, answer.text
        return answer.headers["x-request-id"]

    # Bursts of concurrent connections: one at a time, an idle worker that answered the last one
    # may win every accept (CI saw 60 in a row on one worker); a burst wakes both.
    with ThreadPoolExecutor(8) as pool:
        for _ in range(30):
            request_ids += pool.map(call, range(8))
            lines = _call_lines(served.log)
            pids = {line["pid"] for line in lines if line["model"] == model["slug"]}
            if len(pids) == 2:
                break
            time.sleep(0.05)  # the call log is written by a thread: give it time
    assert len(pids) == 2, "the calls did not reach both workers"

    labels = {"endpoint": "chat", "model": model["slug"], "status": "200"}
    calls = len(request_ids)
    for _ in range(4):  # each scrape is answered by either worker: every one sees both
        samples = until(
            lambda: scrape(ws.server.base_url, TOKEN),
            lambda s: value(s, "modelyard_requests_total", **labels) >= calls,
        )
        assert value(samples, "modelyard_requests_total", **labels) == calls
        duration = {"endpoint": "chat", "model": model["slug"]}
        assert value(samples, "modelyard_request_duration_seconds_count", **duration) == calls

    lines = until(
        lambda: [line for line in _call_lines(served.log) if line["model"] == model["slug"]],
        lambda found: len(found) >= calls,
    )
    assert sorted(line["request_id"] for line in lines) == sorted(request_ids)
    for line in lines:
        assert line["user_id"] == ws.owner_id and line["status"] == 200
        assert line["deployment"] == model["deployments"][0]["id"]
        assert line["latency_ms"] > 0 and line["input_tokens"] > 0 and line["output_tokens"] > 0
        assert line["level"] == "info" and line["time"]
    text = served.log.read_text()
    assert PROMPT not in text and ws.owner_key not in text and TOKEN not in text
