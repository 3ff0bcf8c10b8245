"""Models behind the fake for the Responses tests: one per upstream wire format."""

from __future__ import annotations

from typing import Any

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace

# The upstream wire formats a /v1/responses call may end on.
WIRES = ["openai", "responses", "anthropic", "google"]
UPSTREAM_PATH = {
    "openai": "/v1/chat/completions",
    "responses": "/v1/responses",
    "anthropic": "/v1/messages",
    "google": ":generateContent",
}

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def model_on(ws: Workspace, fake: FakeProvider, wire: str, identifier: str) -> dict[str, Any]:
    """A model with tools on ``wire``; ``identifier`` marks its calls in the fake's log."""
    capabilities: dict[str, Any] = {"tools": True, "image_analysis": True}
    provider = wire
    if wire == "responses":
        provider = "openai"
        capabilities["responses_api"] = True
    return add_model(ws, fake, provider=provider, identifier=identifier, capabilities=capabilities)
