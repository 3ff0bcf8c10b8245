"""A body's size and arrival time are bounded on every path (issue 12, item 8): through a real
server, over raw sockets, since no client library sends a body shorter than it declares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.gateway.http_io import MAX_BODY_BYTES
from modelyard.http_guard import API_MAX_BODY_BYTES, UPLOAD_MAX_BODY_BYTES, body_limit
from modelyard.settings import Settings
from tests.raw_http import RawResponse, connect, head, read_response
from tests.support import RunningServer, Workspace, new_workspace, running_server


def _error(response: RawResponse, status: int, code: str) -> None:
    assert response.status == status, (response.status, response.body)
    error = response.json()["error"]
    assert set(error) == {"type", "message", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["code"] == code, error
    assert response.headers["x-request-id"]


def _send(base_url: str, data: bytes) -> RawResponse:
    with connect(base_url) as sock:
        sock.sendall(data)
        return read_response(sock)


def test_each_path_has_its_limit() -> None:
    assert body_limit("/v1/chat/completions") == MAX_BODY_BYTES
    assert body_limit("/api/models") == API_MAX_BODY_BYTES
    assert body_limit("/login") == API_MAX_BODY_BYTES
    assert body_limit("/api/knowledge/col_1/documents") == UPLOAD_MAX_BODY_BYTES
    assert body_limit("/settings/knowledge/col_1/documents") == UPLOAD_MAX_BODY_BYTES


def test_a_declared_size_over_the_limit_on_v1_is_refused_before_the_body(ws: Workspace) -> None:
    _, key = ws.add_user("member")
    declared = {
        "authorization": f"Bearer {key}",
        "content-type": "application/json",
        "content-length": "100000000000",
    }
    response = _send(ws.server.base_url, head("POST", "/v1/chat/completions", declared))
    _error(response, 413, "body_too_large")
    assert "32 MB" in response.json()["error"]["message"]


def test_a_declared_size_over_the_limit_on_api_is_refused_before_the_body(
    ws: Workspace,
) -> None:
    declared = {
        "authorization": f"Bearer {ws.owner_key}",
        "content-type": "application/json",
        "content-length": str(API_MAX_BODY_BYTES + 1),
    }
    response = _send(ws.server.base_url, head("POST", "/api/models", declared) + b'{"kind"')
    _error(response, 413, "body_too_large")


def _chunked(total: int, size: int = 1 << 20) -> bytes:
    chunk = b"%x\r\n" % size + b"x" * size + b"\r\n"
    return chunk * (total // size + 1) + b"0\r\n\r\n"


def test_a_chunked_body_over_the_limit_on_api_is_refused(ws: Workspace) -> None:
    headers = {
        "authorization": f"Bearer {ws.owner_key}",
        "content-type": "application/json",
        "transfer-encoding": "chunked",
    }
    request = head("POST", "/api/models", headers) + _chunked(API_MAX_BODY_BYTES)
    _error(_send(ws.server.base_url, request), 413, "body_too_large")


def test_a_chunked_multipart_body_over_the_limit_on_v1_is_refused(ws: Workspace) -> None:
    _, key = ws.add_user("member")
    headers = {
        "authorization": f"Bearer {key}",
        "content-type": "multipart/form-data; boundary=xyz",
        "transfer-encoding": "chunked",
    }
    request = head("POST", "/v1/images/edits", headers)
    part = b'--xyz\r\ncontent-disposition: form-data; name="image"; filename="a.png"\r\n\r\n'
    body = b"%x\r\n" % len(part) + part + b"\r\n" + _chunked(MAX_BODY_BYTES)
    _error(_send(ws.server.base_url, request + body), 413, "body_too_large")


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server that waits 0.5 s for a body."""
    data_dir: Path = tmp_path_factory.mktemp("impatient")
    settings = Settings(data_dir=data_dir, secret_key=None, redis_url=None, body_timeout=0.5)
    with running_server(settings, "sqlite") as running:
        yield running


@pytest.mark.parametrize("path", ["/api/models", "/v1/chat/completions", "/login"])
def test_a_body_that_does_not_arrive_in_time_gets_408(impatient: RunningServer, path: str) -> None:
    owner = new_workspace(impatient)
    headers = {
        "authorization": f"Bearer {owner.owner_key}",
        "content-type": "application/json",
        "content-length": "100",
    }
    response = _send(impatient.base_url, head("POST", path, headers) + b'{"kind": "co')
    _error(response, 408, "body_timeout")
    if not path.startswith("/v1/"):  # the gateway answers its own 408 (the server's header
        assert response.headers["connection"] == "close"  # deadline ends the connection)


def test_a_body_in_time_still_reaches_the_route(impatient: RunningServer) -> None:
    owner = new_workspace(impatient)
    body = b'{"kind": "nonsense"}'
    headers = {
        "authorization": f"Bearer {owner.owner_key}",
        "content-type": "application/json",
        "content-length": str(len(body)),
    }
    response = _send(impatient.base_url, head("POST", "/api/models", headers) + body)
    assert response.status == 422, response.body
    assert response.json()["error"]["param"] == "kind"
