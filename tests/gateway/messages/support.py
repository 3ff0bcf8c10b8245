"""Models on the fake for each upstream wire format, and the anthropic SDK pointed at the hub."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anthropic

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, upstream_requests
from tests.support import Workspace

# name -> (provider, extra capabilities): every chat wire format the hub speaks upstream.
UPSTREAMS: dict[str, tuple[str, dict[str, bool]]] = {
    "openai": ("openai", {}),
    "responses": ("openai", {"responses_api": True}),
    "anthropic": ("anthropic", {}),
    "google": ("google", {}),
}


def model_on(ws: Workspace, fake: FakeProvider, upstream: str, name: str) -> dict[str, Any]:
    """A tool-capable, image-reading model of ``upstream`` whose identifier is unique to the
    test (so the fake's request log can be filtered by it)."""
    provider, extra = UPSTREAMS[upstream]
    return add_model(
        ws,
        fake,
        provider=provider,
        identifier=f"{name}-{upstream}-{ws.id[-6:]}",
        capabilities={"tools": True, "image_analysis": True, **extra},
    )


@contextmanager
def claude(ws: Workspace, key: str | None = None, **options: Any) -> Iterator[anthropic.Anthropic]:
    """The official anthropic SDK against the hub's ``/v1/messages``."""
    client = anthropic.Anthropic(
        base_url=ws.server.base_url,
        api_key=key or ws.owner_key,
        max_retries=0,
        timeout=20,
        **options,
    )
    try:
        yield client
    finally:
        client.close()


def sent(fake: FakeProvider, model: dict[str, Any]) -> list[dict[str, Any]]:
    """The bodies the fake received for ``model``'s deployment."""
    identifier = model["deployments"][0]["model_identifier"]
    return [r["body"] for r in upstream_requests(fake, identifier)]
