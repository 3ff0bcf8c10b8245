"""Chat through the gateway with the official OpenAI SDK, for every provider wire format."""

from __future__ import annotations

import json

import openai
import pytest

from modelyard.routing.live_test import TINY_PNG
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk, upstream_requests
from tests.support import Workspace

PROVIDERS = ["openai", "azure", "anthropic", "google", "mistral", "openai_compatible"]
MODEL_PROVIDER = {"azure": "openai"}  # an Azure key serves an OpenAI model


def _model(
    ws: Workspace, fake: FakeProvider, key_provider: str, identifier: str, **fields: object
) -> dict:
    if key_provider == "mistral":
        identifier = f"mistral-{identifier}"  # the fake answers these like Mistral's API
    return add_model(
        ws,
        fake,
        provider=MODEL_PROVIDER.get(key_provider, key_provider),
        key_provider=key_provider,
        identifier=identifier,
        capabilities={"tools": True, "image_analysis": True},
        **fields,
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_chat_answers(ws: Workspace, fake: FakeProvider, provider: str) -> None:
    identifier = f"chat-{provider}-{ws.id[-6:]}"
    model = _model(ws, fake, provider, identifier)
    client = sdk(ws)
    raw = client.chat.completions.with_raw_response.create(
        model=model["slug"],
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello there"},
        ],
    )
    answer = raw.parse()
    assert answer.choices[0].message.content == "Echo: Hello there"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.model == model["slug"]
    assert answer.usage is not None and answer.usage.prompt_tokens > 0
    assert answer.usage.completion_tokens == 3
    assert raw.headers["x-modelyard-model"] == model["slug"]
    assert raw.headers["x-modelyard-deployment"] == model["deployments"][0]["id"]
    sent = upstream_requests(fake, identifier)
    assert len(sent) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_chat_streams(ws: Workspace, fake: FakeProvider, provider: str) -> None:
    model = _model(ws, fake, provider, f"stream-{provider}-{ws.id[-6:]}")
    stream = sdk(ws).chat.completions.create(
        model=model["slug"],
        messages=[{"role": "user", "content": "one two three four"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: one two three four"
    assert [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ] == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 5


@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_calls(ws: Workspace, fake: FakeProvider, provider: str) -> None:
    model = _model(ws, fake, provider, f"tools-{provider}-{ws.id[-6:]}")
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    client = sdk(ws)
    answer = client.chat.completions.create(
        model=model["slug"],
        messages=[{"role": "user", "content": "What is the weather?"}],
        tools=tools,
    )
    call = answer.choices[0].message.tool_calls[0]
    assert answer.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    # The tool result goes back and the model answers from it.
    follow = client.chat.completions.create(
        model=model["slug"],
        tools=tools,
        messages=[
            {"role": "user", "content": "What is the weather?"},
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 C"},
        ],
    )
    assert "Sunny, 21 C" in (follow.choices[0].message.content or "")
    streamed = list(
        client.chat.completions.create(
            model=model["slug"],
            messages=[{"role": "user", "content": "weather please"}],
            tools=tools,
            stream=True,
        )
    )
    arguments = "".join(
        d.function.arguments or ""
        for c in streamed
        if c.choices
        for d in (c.choices[0].delta.tool_calls or [])
    )
    names = [
        d.function.name
        for c in streamed
        if c.choices
        for d in (c.choices[0].delta.tool_calls or [])
        if d.function.name
    ]
    assert names == ["get_weather"] and json.loads(arguments) == {"city": "Paris"}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_image_inputs(ws: Workspace, fake: FakeProvider, provider: str) -> None:
    identifier = f"vision-{provider}-{ws.id[-6:]}"
    model = _model(ws, fake, provider, identifier)
    png = TINY_PNG
    answer = sdk(ws).chat.completions.create(
        model=model["slug"],
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": png}},
                ],
            }
        ],
    )
    assert answer.choices[0].message.content == "Echo: What is this?"
    sent = json.dumps(upstream_requests(fake, identifier)[-1])
    assert "iVBORw0KGgo" in sent  # the image really went upstream


def test_responses_api_model_speaks_chat_to_the_caller(ws: Workspace, fake: FakeProvider) -> None:
    identifier = f"resp-{ws.id[-6:]}"
    model = add_model(ws, fake, identifier=identifier, capabilities={"responses_api": True})
    client = sdk(ws)
    answer = client.chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "hi you"}]
    )
    assert answer.choices[0].message.content == "Echo: hi you"
    chunks = list(
        client.chat.completions.create(
            model=model["slug"],
            messages=[{"role": "user", "content": "hi you"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: hi you"
    paths = [r["path"] for r in upstream_requests(fake, identifier)]
    assert paths == ["/v1/responses", "/v1/responses"]


def test_default_model_is_used_when_model_is_omitted(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier=f"default-{ws.id[-6:]}")
    _, member_key = ws.add_user("member")
    client = sdk(ws, member_key)
    with pytest.raises(openai.BadRequestError) as missing:
        client.post(
            "/chat/completions",
            body={"messages": [{"role": "user", "content": "x"}]},
            cast_to=object,
        )
    assert "default model" in str(missing.value)
    with ws.server.client(member_key) as api:
        assert api.put("/api/me/default-model", json={"model_id": model["id"]}).status_code == 200
    answer = client.post(
        "/chat/completions", body={"messages": [{"role": "user", "content": "hey"}]}, cast_to=dict
    )
    assert answer["model"] == model["slug"]
