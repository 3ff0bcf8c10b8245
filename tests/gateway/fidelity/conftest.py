"""One workspace per module with a chat model on each of the fake's OpenAI, Gemini and
Anthropic wires (setting them up per test would cost more than the tests)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import RunningServer, Workspace, new_workspace


@dataclass
class Models:
    ws: Workspace
    sdk: openai.OpenAI
    openai: str  # slugs
    gemini: str
    anthropic: str
    openai_id: str  # upstream identifiers (markers for the fake's request log)
    gemini_id: str
    anthropic_id: str


@pytest.fixture(scope="module")
def models(server: RunningServer, fake: FakeProvider) -> Iterator[Models]:
    ws = new_workspace(server)
    tag = secrets.token_hex(3)
    made = {}
    for provider, name in (("openai", "gpt"), ("google", "gemini-2.5"), ("anthropic", "claude")):
        identifier = f"{name}-fid-{tag}"
        model = add_model(
            ws,
            fake,
            provider=provider,
            identifier=identifier,
            capabilities={"tools": True, "image_analysis": True},
        )
        made[provider] = (model["slug"], identifier)
    client = openai.OpenAI(
        base_url=ws.server.base_url + "/v1", api_key=ws.owner_key, max_retries=0, timeout=20
    )
    yield Models(
        ws,
        client,
        made["openai"][0],
        made["google"][0],
        made["anthropic"][0],
        made["openai"][1],
        made["google"][1],
        made["anthropic"][1],
    )
    client.close()
