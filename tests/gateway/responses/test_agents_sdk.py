"""The OpenAI Agents SDK, with its default (Responses) model and one function tool, pointed at
the hub: the agent loop runs over OpenAI chat, Anthropic and Gemini upstreams of the fake."""

from __future__ import annotations

import asyncio
import json

import pytest
from agents import (
    Agent,
    Runner,
    RunResult,
    function_tool,
    set_default_openai_api,
    set_default_openai_client,
    set_tracing_disabled,
)
from openai import AsyncOpenAI

from modelyard.testing import FakeProvider
from tests.gateway.responses.setup import model_on
from tests.gateway.setup import upstream_requests
from tests.support import Workspace
from tests.usage import stored_rows

calls: list[str] = []


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    calls.append(city)
    return f"Sunny in {city}"


async def _run(ws: Workspace, model: str, question: str) -> RunResult:
    """One agent run on a client of this event loop (closed after it)."""
    async with AsyncOpenAI(
        base_url=ws.server.base_url + "/v1", api_key=ws.owner_key, max_retries=0
    ) as client:
        set_default_openai_client(client, use_for_tracing=False)
        set_default_openai_api("responses")
        set_tracing_disabled(True)
        agent = Agent(
            name="Weather", instructions="Answer with the tool.", model=model, tools=[get_weather]
        )
        return await Runner.run(agent, question)


@pytest.mark.parametrize("wire", ["openai", "anthropic", "google"])
def test_agent_with_a_function_tool(ws: Workspace, fake: FakeProvider, wire: str) -> None:
    identifier = f"agent-{wire}-{ws.id[-6:]}"
    model = model_on(ws, fake, wire, identifier)
    calls.clear()
    result = asyncio.run(_run(ws, model["slug"], "What is the weather in Paris?"))
    assert len(calls) == 1  # the model called the tool, the SDK ran it
    assert f"Sunny in {calls[0]}" in str(result.final_output)
    sent = upstream_requests(fake, identifier)
    assert len(sent) == 2 and "Sunny in" in json.dumps(sent[1]["body"])
    rows = stored_rows(ws.server, 2, workspace_id=ws.id, model_id=model["id"])
    assert [r.endpoint for r in rows] == ["responses", "responses"]
