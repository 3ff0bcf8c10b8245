"""count_tokens, images, sampling and stop sequences on ``/v1/messages``; structured output
(``response_format``) reaching Anthropic from Chat Completions."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import pytest

from modelyard.routing.live_test import TINY_PNG
from modelyard.testing import FakeProvider
from tests.gateway.messages.support import claude, model_on, sent
from tests.gateway.messages.test_messages_sdk import WEATHER
from tests.gateway.setup import sdk
from tests.support import Workspace, ok
from tests.usage import stored_rows


def test_count_tokens(ws: Workspace, fake: FakeProvider) -> None:
    model = model_on(ws, fake, "google", "count")
    messages = [{"role": "user", "content": "How many tokens is this sentence, roughly?"}]
    with claude(ws) as client:
        short = client.messages.count_tokens(model=model["slug"], messages=messages)  # type: ignore[arg-type]
        longer = client.messages.count_tokens(
            model=model["slug"],
            system="Be brief. " * 50,
            tools=[WEATHER],
            messages=messages,  # type: ignore[arg-type,list-item]
        )
        assert 0 < short.input_tokens < longer.input_tokens
        with pytest.raises(anthropic.NotFoundError):
            client.messages.count_tokens(model="nope", messages=messages)  # type: ignore[arg-type]
    with ws.owner() as api:  # hidden: members may not use it
        ok(api.patch(f"/api/models/{model['id']}", json={"visible": False}))
    _, member_key = ws.add_user("member")
    with claude(ws, key=member_key) as client, pytest.raises(anthropic.NotFoundError):
        client.messages.count_tokens(model=model["slug"], messages=messages)  # type: ignore[arg-type]
    assert sent(fake, model) == []  # no upstream call
    assert stored_rows(ws.server, model_id=model["id"]) == []  # nothing metered


@pytest.mark.parametrize("upstream", ["openai", "anthropic", "google"])
def test_images_and_sampling(ws: Workspace, fake: FakeProvider, upstream: str) -> None:
    model = model_on(ws, fake, upstream, "img")
    image = {"type": "base64", "media_type": "image/png", "data": TINY_PNG}
    with claude(ws) as client:
        answer = client.messages.create(
            model=model["slug"],
            max_tokens=50,
            extra_body={"temperature": 0.5, "top_p": 0.9},  # the 2.x SDK has no parameters
            stop_sequences=["STOP"],
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "image", "source": image},  # type: ignore[typeddict-item]
                        {
                            "type": "image",
                            "source": {"type": "url", "url": "https://example.com/a.png"},
                        },
                        {"type": "text", "text": "What is this?"},
                    ],
                }
            ],
        )
    assert answer.content[0].text == "Echo: What is this?"  # type: ignore[union-attr]
    body = sent(fake, model)[0]
    assert TINY_PNG in str(body) and "https://example.com/a.png" in str(body)
    assert "STOP" in str(body)
    if upstream == "anthropic":
        assert (body["temperature"], body["top_p"], body["stop_sequences"]) == (0.5, 0.9, ["STOP"])


def test_top_k_reaches_anthropic(ws: Workspace, fake: FakeProvider) -> None:
    model = model_on(ws, fake, "anthropic", "topk")
    with claude(ws) as client:
        client.messages.create(
            model=model["slug"],
            max_tokens=10,
            extra_body={"top_k": 40},
            messages=[{"role": "user", "content": "x"}],
        )
    assert sent(fake, model)[0]["top_k"] == 40


def test_tool_result_error_and_choice(ws: Workspace, fake: FakeProvider) -> None:
    model = model_on(ws, fake, "anthropic", "choice")
    with claude(ws) as client:
        forced = client.messages.create(
            model=model["slug"],
            max_tokens=100,
            tools=[WEATHER],
            tool_choice={"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True},
            messages=[{"role": "user", "content": "anything"}],
        )
        call = next(b for b in forced.content if b.type == "tool_use")
        client.messages.create(
            model=model["slug"],
            max_tokens=100,
            tools=[WEATHER],
            tool_choice={"type": "none"},
            messages=[
                {"role": "user", "content": "anything"},
                {"role": "assistant", "content": forced.content},  # type: ignore[typeddict-item]
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": call.id,
                            "is_error": True,
                            "content": [{"type": "text", "text": "no network"}],
                        },
                        {"type": "text", "text": "try later"},
                    ],
                },
            ],
        )
    first, second = sent(fake, model)
    assert first["tool_choice"] == {
        "type": "tool",
        "name": "get_weather",
        "disable_parallel_tool_use": True,
    }
    assert second["tool_choice"] == {"type": "none"}
    result, text = second["messages"][2]["content"]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert result["tool_use_id"] == call.id and text["text"] == "try later"


def test_response_format_reaches_anthropic(ws: Workspace, fake: FakeProvider) -> None:
    """Chat Completions' json_schema was dropped for Anthropic models; now it is structured
    output, and the fake answers JSON that fits."""
    model = model_on(ws, fake, "anthropic", "schema")
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city", "days"],
        "additionalProperties": False,
    }
    answer = sdk(ws).chat.completions.create(
        model=model["slug"],
        messages=[{"role": "user", "content": "Plan a trip"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "trip", "schema": schema, "strict": True},
        },
    )
    assert json.loads(answer.choices[0].message.content or "") == {"city": "Paris", "days": 1}
    body = sent(fake, model)[0]
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}


PDF = "JVBERi0xLjQKJcTl8uXrp/Og0MTGCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCg=="


@pytest.mark.parametrize("upstream", ["anthropic", "google"])
def test_a_pdf_document_reaches_claude_and_gemini(
    ws: Workspace, fake: FakeProvider, upstream: str
) -> None:
    model = model_on(ws, fake, upstream, "pdf")
    document = {"type": "base64", "media_type": "application/pdf", "data": PDF}
    content = [
        {"type": "document", "source": document, "title": "a.pdf"},
        {"type": "text", "text": "Summarise"},
    ]
    with claude(ws) as client:
        answer = client.messages.create(
            model=model["slug"],
            max_tokens=50,
            messages=[{"role": "user", "content": content}],  # type: ignore[typeddict-item]
        )
    assert answer.content[0].text == "Echo: Summarise"  # type: ignore[union-attr]
    body = sent(fake, model)[0]
    if upstream == "google":
        parts = body["contents"][0]["parts"]
        assert {"inlineData": {"mimeType": "application/pdf", "data": PDF}} in parts
    else:
        block = body["messages"][0]["content"][0]
        assert block == {"type": "document", "source": document, "title": "a.pdf"}


def test_a_stop_sequence_is_reported(ws: Workspace, fake: FakeProvider) -> None:
    model = model_on(ws, fake, "anthropic", "stopseq")
    call: Any = {
        "model": model["slug"],
        "max_tokens": 50,
        "stop_sequences": ["three"],
        "messages": [{"role": "user", "content": "one two three four"}],
    }
    with claude(ws) as client:
        answer = client.messages.create(**call)
        with client.messages.stream(**call) as stream:
            streamed = stream.get_final_message()
    for message in (answer, streamed):
        assert message.content[0].text == "Echo: one two "  # type: ignore[union-attr]
        assert (message.stop_reason, message.stop_sequence) == ("stop_sequence", "three")
