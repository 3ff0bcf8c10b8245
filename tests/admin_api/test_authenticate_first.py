"""``/api`` authenticates before it reads a body (issue 12, item 8): a caller without a valid
key is answered at once, whatever body it declared, and never makes the server wait for it."""

from __future__ import annotations

from modelyard.admin_api.authenticate_first import needs_key
from tests.raw_http import connect, head, read_response
from tests.support import RunningServer, Workspace

_SHORT = {"content-type": "application/json", "content-length": "1000"}


def _post_short_body(server: RunningServer, path: str, headers: dict[str, str]) -> int:
    """The status of a POST whose body never arrives (the socket times out if none comes)."""
    with connect(server.base_url) as sock:
        sock.sendall(head("POST", path, {**_SHORT, **headers}) + b'{"kind": ')
        response = read_response(sock)
    if response.status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"]["type"] == "authentication_error"
        assert response.headers["x-request-id"]
    return response.status


def test_no_key_is_answered_without_waiting_for_the_body(server: RunningServer) -> None:
    assert _post_short_body(server, "/api/models", {}) == 401
    assert _post_short_body(server, "/api/users/usr_x/api-keys", {}) == 401


def test_a_wrong_key_is_answered_without_waiting_for_the_body(server: RunningServer) -> None:
    assert _post_short_body(server, "/api/models", {"authorization": "Bearer sk-nope"}) == 401


def test_a_revoked_key_is_refused_as_the_routes_refuse_it(ws: Workspace) -> None:
    member_id, key = ws.add_user("member")
    with ws.owner() as api:
        (listed,) = api.get(f"/api/users/{member_id}/api-keys").json()
        assert api.delete(f"/api/api-keys/{listed['id']}").status_code == 204
    assert (
        _post_short_body(ws.server, "/api/me/api-keys", {"authorization": f"Bearer {key}"}) == 401
    )


def test_a_valid_key_reaches_the_route(ws: Workspace) -> None:
    _, key = ws.add_user("member")
    with ws.server.client(key) as api:
        assert api.post("/api/models", json={"kind": "completion"}).status_code == 403
        assert api.post("/api/me/api-keys", json={"name": "second"}).status_code == 201


def test_the_public_paths_need_no_key() -> None:
    assert not needs_key("/api/healthz")
    assert not needs_key("/openapi.json")
    assert needs_key("/api/models")
