"""The fake's Anthropic Messages API, parsed by the official ``anthropic`` SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import orjson
import pytest

from modelyard.testing import FakeProvider

WEATHER_TOOL: Any = {
    "name": "get_weather",
    "description": "Weather of a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture(scope="module")
def client(fake: FakeProvider) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fake.url, api_key="sk-ant-test", max_retries=0) as sdk:
        yield sdk


def user(text: str) -> Any:
    return [{"role": "user", "content": text}]


def test_message_with_system_and_exact_usage(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model="claude-test", max_tokens=100, system="Be brief.", messages=user("hello there world")
    )
    assert message.type == "message"
    assert message.id.startswith("msg_")
    assert message.model == "claude-test"
    assert [block.type for block in message.content] == ["text"]
    block: Any = message.content[0]
    assert block.text == "Echo: hello there world"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == (4 + 3) + (4 + 5)
    assert message.usage.output_tokens == 4
    assert message.usage.cache_creation_input_tokens == 0
    assert message.usage.cache_read_input_tokens == 0


def test_image_blocks_count_85_tokens(client: anthropic.Anthropic) -> None:
    content: Any = [
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        },
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        {"type": "text", "text": "What is it?"},
    ]
    message = client.messages.create(
        model="c", max_tokens=50, messages=[{"role": "user", "content": content}]
    )
    assert message.usage.input_tokens == 4 + 3 + 2 * 85
    assert message.content[0].type == "text" and message.content[0].text == "Echo: What is it?"


def test_cache_control_writes_then_a_cache_model_reads(client: anthropic.Anthropic) -> None:
    system: Any = [{"type": "text", "text": "x" * 400, "cache_control": {"type": "ephemeral"}}]
    written = client.messages.create(
        model="claude", max_tokens=10, system=system, messages=user("hi")
    )
    assert written.usage.cache_creation_input_tokens == 104
    assert written.usage.cache_read_input_tokens == 0
    assert written.usage.input_tokens == 5
    assert written.usage.cache_creation is not None
    assert written.usage.cache_creation.ephemeral_5m_input_tokens == 104
    read = client.messages.create(
        model="claude-cache", max_tokens=10, system=system, messages=user("hi")
    )
    assert read.usage.cache_read_input_tokens == 104
    assert read.usage.cache_creation_input_tokens == 0
    long_lived: Any = [
        {"type": "text", "text": "x" * 400, "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    ]
    hour = client.messages.create(
        model="claude", max_tokens=10, system=long_lived, messages=user("hi")
    )
    assert hour.usage.cache_creation is not None
    assert hour.usage.cache_creation.ephemeral_1h_input_tokens == 104


def test_max_tokens_cuts_the_answer(client: anthropic.Anthropic) -> None:
    message = client.messages.create(model="c", max_tokens=2, messages=user("one two three"))
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "text" and message.content[0].text == "Echo: one"
    assert message.usage.output_tokens == 2


def test_weather_with_tools_gives_a_tool_use_block(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model="c", max_tokens=100, messages=user("weather in Paris?"), tools=[WEATHER_TOOL]
    )
    assert message.stop_reason == "tool_use"
    block: Any = message.content[-1]
    assert block.type == "tool_use"
    assert block.id.startswith("toolu_")
    assert block.name == "get_weather"
    assert block.input == {"city": "Paris"}
    follow_up = client.messages.create(
        model="c",
        max_tokens=100,
        tools=[WEATHER_TOOL],
        messages=[
            *user("weather in Paris?"),
            {"role": "assistant", "content": [block.model_dump(exclude_none=True)]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": block.id, "content": "sunny"}],
            },
        ],
    )
    assert follow_up.stop_reason == "end_turn"
    assert follow_up.content[0].type == "text" and follow_up.content[0].text == "Echo: sunny"
    forced = client.messages.create(
        model="c",
        max_tokens=10,
        messages=user("hi"),
        tools=[WEATHER_TOOL],
        tool_choice={"type": "tool", "name": "get_weather"},
    )
    assert forced.stop_reason == "tool_use"


def test_thinking_when_enabled_or_for_reason_models(client: anthropic.Anthropic) -> None:
    enabled = client.messages.create(
        model="claude",
        max_tokens=2000,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=user("why"),
    )
    assert [block.type for block in enabled.content] == ["thinking", "text"]
    thinking: Any = enabled.content[0]
    assert thinking.thinking == "Reasoning about: why"
    assert thinking.signature
    assert enabled.usage.output_tokens == 3 + 2
    assert enabled.usage.output_tokens_details is not None
    assert enabled.usage.output_tokens_details.thinking_tokens == 3
    by_name = client.messages.create(model="claude-reason", max_tokens=100, messages=user("why"))
    assert by_name.content[0].type == "thinking"


def test_stream_final_message_equals_the_plain_answer(client: anthropic.Anthropic) -> None:
    kwargs: Any = {
        "model": "claude-reason",
        "max_tokens": 100,
        "messages": user("weather in Paris?"),
        "tools": [WEATHER_TOOL],
    }
    plain = client.messages.create(**kwargs)
    with client.messages.stream(**kwargs) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_message()
    assert texts == []
    assert final.content[0].type == "thinking"
    assert final.content[0].thinking == "Reasoning about: weather in Paris?"
    assert final.content[1].type == "tool_use"
    assert final.content[1].input == {"city": "Paris"}
    assert final.model_dump(exclude={"id", "content"}) == plain.model_dump(
        exclude={"id", "content"}
    )
    with client.messages.stream(
        model="c", max_tokens=100, messages=user("one two three")
    ) as stream:
        assert "".join(stream.text_stream) == "Echo: one two three"
        assert stream.get_final_message().usage.output_tokens == 4


def test_raw_stream_has_the_real_event_sequence(fake: FakeProvider) -> None:
    body = {"model": "c", "max_tokens": 100, "messages": user("hi you"), "stream": True}
    with httpx.Client(base_url=fake.url) as http:
        response = http.post("/v1/messages", json=body, headers=HEADERS)
    events = [block.split("\n") for block in response.text.split("\n\n") if block]
    names = [lines[0].removeprefix("event: ") for lines in events]
    assert names == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "ping",
        "message_delta",
        "message_stop",
    ]
    datas = [orjson.loads(lines[1].removeprefix("data: ")) for lines in events]
    assert all(data["type"] == name for data, name in zip(datas, names, strict=True))
    assert datas[0]["message"]["usage"]["input_tokens"] == 4 + 2
    assert datas[-2]["usage"]["output_tokens"] == 3
    assert datas[-2]["delta"]["stop_reason"] == "end_turn"


def test_headers_and_max_tokens_are_required(fake: FakeProvider) -> None:
    body = {"model": "c", "max_tokens": 10, "messages": user("hi")}
    with httpx.Client(base_url=fake.url) as http:
        no_key = http.post("/v1/messages", json=body, headers={"anthropic-version": "2023-06-01"})
        no_version = http.post("/v1/messages", json=body, headers={"x-api-key": "k"})
        ok = http.post("/v1/messages", json=body, headers=HEADERS)
        no_max = http.post("/v1/messages", json={**body, "max_tokens": None}, headers=HEADERS)
    assert no_key.status_code == 401
    assert no_key.json()["type"] == "error"
    assert no_key.json()["error"]["type"] == "authentication_error"
    assert no_version.status_code == 400
    assert no_version.json()["error"]["type"] == "invalid_request_error"
    assert ok.status_code == 200
    assert ok.headers["request-id"].startswith("req_")
    assert no_max.status_code == 400
    assert no_max.json()["error"]["message"] == "max_tokens: Field required"
