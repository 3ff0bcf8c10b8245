"""``modelyard serve`` closes connections whose headers come too slowly (issue 12, item 8):
a real server process, raw sockets, a 1 s deadline; a socket timeout is the failure."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.raw_http import closed_by_server, connect, head, read_response
from tests.support import free_port


@pytest.fixture(scope="module", params=["1", "2"], ids=["one-process", "two-workers"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env |= {"MODELYARD_DATA_DIR": str(data_dir), "MODELYARD_HEADER_TIMEOUT": "1"}
    command = [sys.executable, "-m", "modelyard", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", request.param],
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
        yield base
    finally:
        process.terminate()
        process.wait(10)


def test_a_partial_request_line_is_answered_408_and_closed(served: str) -> None:
    with connect(served) as sock:
        sock.sendall(b"POST /v1/chat/compl")
        assert closed_by_server(sock).startswith(b"HTTP/1.1 408 ")


def test_partial_headers_are_answered_408_and_closed(served: str) -> None:
    with connect(served) as sock:
        sock.sendall(b"POST /api/models HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-len")
        time.sleep(0.3)
        sock.sendall(b"gth: 10\r\n")  # bytes keep coming, the headers never end
        assert closed_by_server(sock).startswith(b"HTTP/1.1 408 ")


def test_a_connection_that_sends_nothing_is_closed(served: str) -> None:
    with connect(served) as sock:
        assert closed_by_server(sock) == b""


def test_a_keep_alive_connection_gets_the_deadline_for_its_next_request(served: str) -> None:
    with connect(served) as sock:
        sock.sendall(head("GET", "/healthz", {}))
        assert read_response(sock).status == 200
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        assert closed_by_server(sock).startswith(b"HTTP/1.1 408 ")


def test_a_refused_body_cannot_go_on_for_ever(served: str) -> None:
    """After the 413, the rest of the declared body is read and dropped until the deadline."""
    declared = {"content-type": "application/json", "content-length": "100000000000"}
    with connect(served) as sock:
        sock.sendall(head("POST", "/v1/chat/completions", declared))
        assert read_response(sock).status == 413
        sock.settimeout(0.2)
        for _ in range(50):  # 10 s of a byte every 0.2 s, unless the server closes first
            try:
                sock.sendall(b"x")
                if sock.recv(1) == b"":
                    return
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                return
        pytest.fail("the server kept reading the refused body")
