"""Anthropic Messages round trips through the fake provider, the SDK reading the same answers."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import orjson
import pytest
from anthropic.types import Message as SDKMessage

from modelyard.llm_types import ImagePart, Message, TextPart, ToolSpec, Usage
from modelyard.providers.anthropic_messages import WIRE
from modelyard.providers.base import UpstreamProtocolError
from modelyard.testing import FakeProvider
from tests.providers.anthropic_messages import SECRET, chat, sdk_usage, target
from tests.providers.roundtrip import (
    PNG_BASE64,
    WEATHER,
    Streamed,
    collect,
    send,
    stream,
    streaming,
    tokens,
    user,
)


@pytest.fixture
def sdk(fake: FakeProvider) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fake.url, api_key=SECRET, max_retries=0) as client:
        yield client


def test_round_trip_text_with_system_and_images(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        Message(
            "user", [TextPart("What is this?"), ImagePart(f"data:image/png;base64,{PNG_BASE64}")]
        ),
        Message("user", [ImagePart("https://example.com/cat.png"), TextPart("And this?")]),
        max_tokens=100,
        temperature=0.2,
        stop=["END"],
    )
    response = send(http, WIRE.build_chat(request, target(fake.url)))
    assert response.status_code == 200, response.text
    parsed = WIRE.parse_chat(response.content)
    assert parsed.text == "Echo: What is this? And this?"
    assert parsed.finish_reason == "stop"
    assert parsed.usage == Usage(
        input_tokens=tokens("Be brief.") + tokens("What is this?", "And this?", images=2),
        output_tokens=6,
    )
    assert parsed.usage == sdk_usage(SDKMessage.model_validate_json(response.content).usage)
    [logged] = fake.requests()
    assert logged["path"] == "/v1/messages"
    assert logged["headers"]["x-api-key"] == SECRET
    assert logged["headers"]["anthropic-version"] == "2023-06-01"
    assert logged["body"]["system"] == "Be brief."
    assert [m["role"] for m in logged["body"]["messages"]] == ["user"]
    assert [b["type"] for b in logged["body"]["messages"][0]["content"]] == [
        "text",
        "image",
        "image",
        "text",
    ]
    assert logged["body"]["temperature"] == 0.2
    assert logged["body"]["stop_sequences"] == ["END"]


def test_round_trip_max_tokens_cut(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("one two three four five"), max_tokens=2)
    parsed = WIRE.parse_chat(send(http, WIRE.build_chat(request, target(fake.url))).content)
    assert (parsed.text, parsed.finish_reason, parsed.usage.output_tokens) == (
        "Echo: one",
        "length",
        2,
    )


def test_round_trip_tool_loop(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    first = chat(user("What is the weather in Paris?"), tools=[WEATHER], max_tokens=200)
    answer = WIRE.parse_chat(send(http, WIRE.build_chat(first, target(fake.url))).content)
    assert answer.finish_reason == "tool_calls"
    [call] = answer.tool_calls
    assert (call.name, orjson.loads(call.arguments)) == ("get_weather", {"city": "Paris"})
    assert call.id.startswith("toolu_")
    second = chat(
        *first.messages,
        Message("assistant", [TextPart(answer.text)], tool_calls=answer.tool_calls),
        Message("tool", [TextPart("18C and sunny")], tool_call_id=call.id),
        tools=[WEATHER],
        max_tokens=200,
    )
    final = WIRE.parse_chat(send(http, WIRE.build_chat(second, target(fake.url))).content)
    assert (final.text, final.finish_reason, final.tool_calls) == (
        "Echo: 18C and sunny",
        "stop",
        [],
    )
    logged = fake.requests()[-1]["body"]
    assert logged["messages"][1]["content"] == [
        {"type": "tool_use", "id": call.id, "name": "get_weather", "input": {"city": "Paris"}}
    ]
    assert logged["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": call.id, "content": "18C and sunny"}
    ]


def test_round_trip_forced_tool_choice(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("Hello"), tools=[ToolSpec("now"), WEATHER], tool_choice="get_weather")
    parsed = WIRE.parse_chat(send(http, WIRE.build_chat(request, target(fake.url))).content)
    assert [c.name for c in parsed.tool_calls] == ["get_weather"]


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-reason-1"])
def test_round_trip_stream_matches_the_plain_answer(
    fake: FakeProvider, http: httpx.Client, model: str
) -> None:
    request = chat(
        user("Tell me about the sea"), model=model, include_reasoning=True, max_tokens=20000
    )
    plain = WIRE.parse_chat(send(http, WIRE.build_chat(request, target(fake.url, model))).content)
    request.stream = True
    upstream = WIRE.build_chat(request, target(fake.url, model))
    assert upstream.stream and upstream.json and upstream.json["stream"] is True
    streamed = stream(http, upstream, WIRE.stream_decoder())
    assert streamed.finished
    out = collect(streamed.events)
    assert plain.reasoning == "Reasoning about: Tell me about the sea"
    assert (out.text, out.reasoning or None, out.finishes) == (
        plain.text,
        plain.reasoning,
        [plain.finish_reason],
    )
    assert out.usage == plain.usage
    assert out.usage.reasoning_tokens == 7  # "Reasoning about: Tell me about the sea"
    assert fake.requests()[-1]["body"]["thinking"] == {"type": "enabled", "budget_tokens": 4096}


def test_round_trip_streamed_tool_call(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("weather?"), tools=[WEATHER], stream=True)
    streamed = stream(http, WIRE.build_chat(request, target(fake.url)), WIRE.stream_decoder())
    out = collect(streamed.events)
    assert streamed.finished and out.finishes == ["tool_calls"]
    [tool] = out.tools.values()
    assert tool["name"] == "get_weather" and tool["id"].startswith("toolu_")
    assert orjson.loads(tool["arguments"]) == {"city": "Paris"}


def test_stream_usage_agrees_with_the_sdk(
    fake: FakeProvider, http: httpx.Client, sdk: anthropic.Anthropic
) -> None:
    """The SDK's own stream accumulation, over the same fake answer, gives the same usage."""
    model, text = "claude-reason-cache", "Summarise the news of today please"
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        user(text),
        model=model,
        max_tokens=50,
        stream=True,
    )
    upstream = WIRE.build_chat(request, target(fake.url, model))
    streamed = stream(http, upstream, WIRE.stream_decoder())
    with sdk.messages.stream(
        model=model, max_tokens=50, system="Be brief.", messages=[{"role": "user", "content": text}]
    ) as sdk_stream:
        final = sdk_stream.get_final_message()
    out = collect(streamed.events)
    assert out.usage == sdk_usage(final.usage)
    assert out.text == "".join(block.text for block in final.content if block.type == "text")
    decoder = WIRE.stream_decoder()
    assert collect(decoder.feed(streamed.raw)).usage == out.usage


def test_round_trip_overloaded(fake: FakeProvider, http: httpx.Client) -> None:
    response = send(
        http, WIRE.build_chat(chat(user("Hi"), model="fail-529"), target(fake.url, "fail-529"))
    )
    assert response.status_code == 529
    assert WIRE.error_message(response.content) == "Overloaded"
    assert SECRET not in response.text


def test_round_trip_garbage(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("Hi there"), model="fail-garbage")
    response = send(http, WIRE.build_chat(request, target(fake.url, "fail-garbage")))
    assert response.status_code == 200
    with pytest.raises(UpstreamProtocolError) as caught:
        WIRE.parse_chat(response.content)
    assert SECRET not in str(caught.value)
    request.stream = True
    with pytest.raises(UpstreamProtocolError):
        stream(
            http, WIRE.build_chat(request, target(fake.url, "fail-garbage")), WIRE.stream_decoder()
        )


def test_round_trip_cut_stream_is_not_finished(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("one two three four five six"), model="fail-cut", stream=True)
    upstream = WIRE.build_chat(request, target(fake.url, "fail-cut"))
    streamed = Streamed(WIRE.stream_decoder())
    with pytest.raises(httpx.RemoteProtocolError), streaming(http, upstream) as response:
        streamed.read(response)
    assert not streamed.finished
    assert collect(streamed.events).usage.input_tokens == tokens("one two three four five six")
