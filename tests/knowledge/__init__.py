"""Tests of knowledge collections; helpers to set them up through the admin API.

The fake provider embeds a text ``vec:x,y`` to exactly that vector (normalised, padded with
zeros), so a document whose only chunk is ``vec:0.8,0.6`` scores exactly 0.8 against the query
``vec:1,0``.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace, ok


def unique(identifier: str) -> str:
    """A model identifier no other test uses (the fake's request log is shared), keeping the
    ``-<dimensions>`` suffix the fake reads."""
    return f"{secrets.token_hex(3)}-{identifier}"


def embedding_model(
    ws: Workspace, fake: FakeProvider, identifier: str = "fake-embed-8", **fields: Any
) -> dict[str, Any]:
    return add_model(ws, fake, kind="embedding", identifier=identifier, **fields)


def new_collection(api: httpx.Client, model_id: str, name: str = "Handbook") -> dict[str, Any]:
    body = {"name": name, "embedding_model_id": model_id}
    return ok(api.post("/api/knowledge", json=body), 201)


def add_text(api: httpx.Client, collection_id: str, name: str, text: str) -> dict[str, Any]:
    body = {"name": name, "text": text}
    return ok(api.post(f"/api/knowledge/{collection_id}/documents", json=body), 201)


def search(api: httpx.Client, collection_id: str, query: str, **extra: Any) -> dict[str, Any]:
    body = {"query": query, **extra}
    return ok(api.post(f"/api/knowledge/{collection_id}/search", json=body))


def names(result: dict[str, Any]) -> list[str]:
    return [hit["document_name"] for hit in result["results"]]
