"""Headers the HTTP contract requires: WWW-Authenticate on every 401, Retry-After on maintenance."""

from __future__ import annotations

import httpx
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace

MESSAGES = [{"role": "user", "content": "hello"}]
CHAT = {"model": "x", "messages": MESSAGES}


def _challenge(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    challenge = response.headers.get("www-authenticate")
    assert challenge is not None, "a 401 must carry WWW-Authenticate (RFC 6750)"
    assert challenge.lower().startswith("bearer")
    assert 'realm="modelyard"' in challenge
    return challenge


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/chat/completions", CHAT),
        ("GET", "/v1/models", None),
        ("GET", "/api/models", None),
    ],
)
def test_missing_key_401_names_the_bearer_scheme(
    ws: Workspace, method: str, path: str, body: dict | None
) -> None:
    with httpx.Client(base_url=ws.server.base_url) as anon:
        challenge = _challenge(anon.request(method, path, json=body))
    assert "error=" not in challenge  # no credentials sent: no error code (RFC 6750 §3.1)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/chat/completions", CHAT),
        ("GET", "/v1/models", None),
        ("GET", "/api/models", None),
    ],
)
def test_wrong_key_401_says_invalid_token(
    ws: Workspace, method: str, path: str, body: dict | None
) -> None:
    with ws.server.client("my-wrong-key") as api:
        challenge = _challenge(api.request(method, path, json=body))
    assert 'error="invalid_token"' in challenge


def test_maintenance_503_carries_retry_after(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier=f"paused-{ws.id[-6:]}", maintenance=True)
    with ws.server.client(ws.owner_key) as api:
        response = api.post("/v1/chat/completions", json={**CHAT, "model": model["slug"]})
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "model_in_maintenance"
    assert int(response.headers["retry-after"]) > 0
