"""Setting up models behind the fake provider through the admin API, as an admin would."""

from __future__ import annotations

import secrets
from typing import Any

import openai

from modelyard.testing import FakeProvider
from tests.support import Workspace, ok

# Where each provider's SDK convention puts the base URL (API.md).
KEY_FIELDS: dict[str, dict[str, str]] = {
    "openai": {"path": "/v1"},
    "mistral": {"path": "/v1"},
    "openai_compatible": {"path": "/v1"},
    "azure": {"path": "", "api_version": "2024-10-21"},
    "anthropic": {"path": ""},
    "google": {"path": ""},
}
BASE_MODEL: dict[str, dict[str, Any]] = {
    "completion": {
        "context_window": 100_000,
        "max_output_tokens": 4000,
        "input_price": 2,
        "output_price": 8,
        "cache_read_price": 0.5,
        "cache_write_price": 2.5,
    },
    "image": {"image_price": 0.04},
    "embedding": {"input_price": 0.02},
}


def add_key(ws: Workspace, fake: FakeProvider, provider: str) -> dict[str, Any]:
    fields = dict(KEY_FIELDS[provider])
    body: dict[str, Any] = {
        "name": f"{provider} {secrets.token_hex(2)}",
        "provider": provider,
        "secret": f"sk-{provider}-{secrets.token_hex(8)}",
        "base_url": fake.url + fields.pop("path"),
        **fields,
    }
    with ws.owner() as api:
        return ok(api.post("/api/model-keys", json=body), 201)


def add_model(
    ws: Workspace,
    fake: FakeProvider,
    *,
    provider: str = "openai",
    kind: str = "completion",
    identifier: str = "fake-model",
    key_provider: str | None = None,
    deployments: int = 1,
    **fields: Any,
) -> dict[str, Any]:
    """A visible manual model with ``deployments`` deployments on the fake; returns the model."""
    body: dict[str, Any] = {
        "kind": kind,
        "display_name": fields.pop("display_name", f"{provider} {identifier}"),
        "provider": provider,
        "provider_model_name": identifier,
        "visible": True,
        **BASE_MODEL[kind],
        **fields,
    }
    key = add_key(ws, fake, key_provider or provider)
    with ws.owner() as api:
        model = ok(api.post("/api/models", json=body), 201)
        for _ in range(deployments):
            ok(
                api.post(
                    f"/api/models/{model['id']}/deployments",
                    json={"key_id": key["id"], "model_identifier": identifier},
                ),
                201,
            )
        return ok(api.get(f"/api/models/{model['id']}"))


_open_clients: list[openai.OpenAI] = []


def sdk(ws: Workspace, key: str | None = None) -> openai.OpenAI:
    """The official OpenAI SDK pointed at our gateway (closed after the test)."""
    client = openai.OpenAI(
        base_url=ws.server.base_url + "/v1", api_key=key or ws.owner_key, max_retries=0, timeout=20
    )
    _open_clients.append(client)
    return client


def close_clients() -> None:
    while _open_clients:
        _open_clients.pop().close()


def upstream_requests(fake: FakeProvider, marker: str) -> list[dict[str, Any]]:
    """What the fake received for calls whose body or path mentions ``marker``."""
    return [r for r in fake.requests() if marker in str(r)]
