"""The fake's request log, control routes, routing errors and its runners (thread and CLI)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

import modelyard.testing
from modelyard.testing import FakeProvider, create_fake_app

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.3}
BEARER = {"authorization": "Bearer sk-secret", "X-Custom-Header": "Yes"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture
def http(fake: FakeProvider) -> Iterator[httpx.Client]:
    fake.clear()
    with httpx.Client(base_url=fake.url) as client:
        yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_public_surface() -> None:
    assert sorted(modelyard.testing.__all__) == [
        "FakeApp",
        "FakeProvider",
        "create_fake_app",
        "run_fake_provider",
    ]
    assert all(hasattr(modelyard.testing, name) for name in modelyard.testing.__all__)


def test_log_keeps_method_path_query_headers_and_json_body(
    fake: FakeProvider, http: httpx.Client
) -> None:
    http.post("/v1/chat/completions?trace=1", json=CHAT, headers=BEARER)
    (entry,) = fake.requests()
    assert entry["method"] == "POST"
    assert entry["path"] == "/v1/chat/completions"
    assert entry["query"] == {"trace": "1"}
    assert entry["headers"]["authorization"] == "Bearer sk-secret"
    assert entry["headers"]["x-custom-header"] == "Yes"
    assert entry["body"] == CHAT


def test_log_over_http_and_clearing(fake: FakeProvider, http: httpx.Client) -> None:
    http.post("/v1/chat/completions", json=CHAT, headers=BEARER)
    http.post("/v1/embeddings", json={"model": "e", "input": "x"}, headers=BEARER)
    logged = http.get("/_fake/requests").json()
    assert [entry["path"] for entry in logged] == ["/v1/chat/completions", "/v1/embeddings"]
    assert logged == fake.requests()
    assert http.delete("/_fake/requests").json() == {"cleared": 2}
    assert http.get("/_fake/requests").json() == []
    http.post("/v1/embeddings", json={"model": "e", "input": "x"}, headers=BEARER)
    fake.clear()
    assert fake.requests() == []


def test_refused_and_unknown_requests_are_logged_too(
    fake: FakeProvider, http: httpx.Client
) -> None:
    refused = http.post("/v1/chat/completions", json=CHAT)
    unknown = http.get("/v1/nothing-here", headers=BEARER)
    text = http.post(
        "/v1/chat/completions",
        content=b"not json",
        headers={**BEARER, "content-type": "text/plain"},
    )
    assert refused.status_code == 401
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "Invalid URL (GET /v1/nothing-here)"
    assert text.status_code == 400
    assert [entry["body"] for entry in fake.requests()] == [CHAT, None, "not json"]


def test_log_is_bounded() -> None:
    with (
        FakeProvider(app=create_fake_app(log_limit=3)) as small,
        httpx.Client(base_url=small.url) as http,
    ):
        for n in range(5):
            http.post("/v1/embeddings", json={"model": "e", "input": str(n)}, headers=BEARER)
        assert [entry["body"]["input"] for entry in small.requests()] == ["2", "3", "4"]


def test_control_routes(http: httpx.Client, fake: FakeProvider) -> None:
    assert http.get("/_fake/health").json() == {"status": "ok"}
    assert http.get("/_fake/images/ff0000.png").content.startswith(b"\x89PNG")
    assert http.get("/_fake/images/nothex.png").status_code == 404
    assert http.get("/_fake/unknown").status_code == 404
    assert fake.requests() == []


def test_provider_on_a_given_port() -> None:
    port = free_port()
    with FakeProvider(port=port) as fake, httpx.Client() as http:
        assert fake.url == f"http://127.0.0.1:{port}"
        assert http.get(fake.url + "/_fake/health").status_code == 200


def test_the_cli_command_serves_until_interrupted() -> None:
    port = free_port()
    code = (
        "import typer; from modelyard.cli.fake_cmd import fake_provider; typer.run(fake_provider)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        with httpx.Client() as http:
            while True:
                try:
                    health = http.get(f"http://127.0.0.1:{port}/_fake/health")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise
                    time.sleep(0.05)
        assert health.json() == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"http://127.0.0.1:{port}" in output.decode()


def test_a_fault_set_for_a_model_from_now_on(http: httpx.Client, fake: FakeProvider) -> None:
    """A model that answered can be made to fail the next call (and recover), over HTTP or
    through ``set_fault``; other models are untouched."""
    other = {**CHAT, "model": "other"}
    assert http.post("/v1/chat/completions", json=CHAT, headers=BEARER).status_code == 200
    put = http.put("/_fake/faults", json={"model": "m", "fault": "fail-429"})
    assert put.json() == {"faults": {"m": "fail-429"}}
    limited = http.post("/v1/chat/completions", json=CHAT, headers=BEARER)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    assert http.post("/v1/chat/completions", json=other, headers=BEARER).status_code == 200
    assert http.put("/_fake/faults", json={"model": "m", "fault": None}).json() == {"faults": {}}
    assert http.post("/v1/chat/completions", json=CHAT, headers=BEARER).status_code == 200
    fake.set_fault("other", "fail-500")
    assert http.post("/v1/chat/completions", json=other, headers=BEARER).status_code == 500
    assert http.delete("/_fake/faults").json() == {"faults": {}}
    assert http.post("/v1/chat/completions", json=other, headers=BEARER).status_code == 200
    assert http.put("/_fake/faults", json={"fault": "fail-500"}).status_code == 400
    assert http.put("/_fake/faults", json={"model": "m", "fault": 3}).status_code == 400
    assert http.get("/_fake/faults").status_code == 400
    assert all(entry["path"] == "/v1/chat/completions" for entry in fake.requests())
