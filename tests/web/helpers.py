"""Shared steps of the web tests: make things through the admin API, sign in through forms."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support import Workspace, ok
from tests.web.conftest import PASSWORD

CHAT_MODEL: dict[str, Any] = {
    "kind": "completion",
    "display_name": "Acme Chat",
    "provider": "openai_compatible",
    "provider_model_name": "acme-chat-1",
    "region": "EU",
    "description_en": "Fast chat model",
    "description_de": "Schnelles Chatmodell",
    "context_window": 32000,
    "max_output_tokens": 4000,
}
KEY: dict[str, Any] = {
    "name": "Acme key",
    "provider": "openai_compatible",
    "secret": "sk-test-abcd1234",
    "base_url": "http://127.0.0.1:9/v1",
}


def api_create(ws: Workspace, path: str, body: dict[str, Any]) -> dict[str, Any]:
    with ws.owner() as api:
        created: dict[str, Any] = ok(api.post(path, json=body), 201)
    return created


def api_get(ws: Workspace, path: str) -> Any:
    with ws.owner() as api:
        return ok(api.get(path))


def key_in_use(ws: Workspace) -> tuple[dict[str, Any], dict[str, Any]]:
    """A model key with a model deployed on it (so it cannot be deleted)."""
    key = api_create(ws, "/api/model-keys", KEY)
    model = api_create(ws, "/api/models", CHAT_MODEL)
    deployment = {"key_id": key["id"], "model_identifier": "acme-chat-1"}
    api_create(ws, f"/api/models/{model['id']}/deployments", deployment)
    return key, model


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the form as a browser would (GET for the token, then POST)."""
    token = csrf_of(client.get("/login").text)
    form = {"email": email, "password": password, "csrf": token}
    return client.post("/login", data=form)
