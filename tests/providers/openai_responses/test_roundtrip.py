"""Responses API round trips through the fake provider, on OpenAI and on Azure's v1 route."""

from __future__ import annotations

import httpx
import orjson
import pytest

from modelyard.llm_types import ImagePart, Message, TextPart, Usage
from modelyard.providers.base import Target, UpstreamProtocolError
from modelyard.providers.openai_responses import WIRE
from modelyard.testing import FakeProvider
from tests.providers.openai_responses import MALFORMED, MODEL, chat
from tests.providers.roundtrip import (
    AZURE_KEY,
    PNG,
    SECRET,
    WEATHER,
    collect,
    on_fake,
    plain_then_streamed,
    send,
    stream,
    tokens,
    user,
)


def fake_target(fake: FakeProvider, provider: str = "openai", model: str = MODEL) -> Target:
    return on_fake(fake, provider, model)


def test_round_trip_with_instructions_and_images(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        Message("user", [TextPart("What is this?"), ImagePart(PNG)]),
        max_tokens=100,
    )
    response = send(http, WIRE.build_chat(request, fake_target(fake)))
    assert response.status_code == 200, response.text
    parsed = WIRE.parse_chat(response.content)
    assert (parsed.text, parsed.finish_reason, parsed.reasoning) == (
        "Echo: What is this?",
        "stop",
        None,
    )
    assert parsed.usage == Usage(
        input_tokens=tokens("Be brief.") + tokens("What is this?", images=1), output_tokens=4
    )
    [logged] = fake.requests()
    assert logged["path"] == "/v1/responses"
    assert logged["headers"]["authorization"] == f"Bearer {SECRET}"
    assert logged["body"]["instructions"] == "Be brief."
    assert logged["body"]["max_output_tokens"] == 100
    assert logged["body"]["store"] is False


def test_round_trip_max_tokens_cut(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("one two three four five"), max_tokens=2)
    parsed = WIRE.parse_chat(send(http, WIRE.build_chat(request, fake_target(fake))).content)
    assert (parsed.text, parsed.finish_reason) == ("Echo: one", "length")


def test_round_trip_tool_loop(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    first = chat(user("What is the weather in Paris?"), tools=[WEATHER])
    answer = WIRE.parse_chat(send(http, WIRE.build_chat(first, fake_target(fake))).content)
    assert answer.finish_reason == "tool_calls"
    [call] = answer.tool_calls
    assert (call.name, orjson.loads(call.arguments)) == ("get_weather", {"city": "Paris"})
    second = chat(
        *first.messages,
        Message("assistant", tool_calls=answer.tool_calls),
        Message("tool", [TextPart("18C and sunny")], tool_call_id=call.id),
        tools=[WEATHER],
    )
    final = WIRE.parse_chat(send(http, WIRE.build_chat(second, fake_target(fake))).content)
    assert (final.text, final.finish_reason) == ("Echo: 18C and sunny", "stop")
    logged = fake.requests()[-1]["body"]["input"]
    assert logged[1]["type"] == "function_call" and logged[1]["call_id"] == call.id
    assert logged[2] == {
        "type": "function_call_output",
        "call_id": call.id,
        "output": "18C and sunny",
    }


@pytest.mark.parametrize(
    ("provider", "model"),
    [("openai", "gpt-5"), ("openai", "o3-reason-cache"), ("azure", "my-deployment")],
)
@pytest.mark.parametrize("tools", [False, True])
def test_round_trip_stream_matches_the_plain_answer(
    fake: FakeProvider, http: httpx.Client, provider: str, model: str, tools: bool
) -> None:
    request = chat(
        user("Tell me about the weather at sea"),
        model=model,
        include_reasoning=True,
        tools=[WEATHER] if tools else None,
    )
    plain, streamed = plain_then_streamed(http, WIRE, request, fake_target(fake, provider, model))
    assert streamed.finished
    out = collect(streamed.events)
    assert out.text == plain.text
    assert (out.reasoning or None) == plain.reasoning
    assert out.finishes == [plain.finish_reason]
    assert out.reports == [plain.usage]
    assert [(t["name"], t["arguments"]) for t in out.tools.values()] == [
        (c.name, c.arguments) for c in plain.tool_calls
    ]
    if "reason" in model:
        assert plain.reasoning and plain.usage.reasoning_tokens > 0
    if "cache" in model:
        assert plain.usage.cache_read_tokens > 0


def test_round_trip_azure(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(user("Hello Azure"), model="my-deployment")
    upstream = WIRE.build_chat(request, fake_target(fake, "azure", "my-deployment"))
    parsed = WIRE.parse_chat(send(http, upstream).content)
    assert parsed.text == "Echo: Hello Azure"
    [logged] = fake.requests()
    assert logged["path"] == "/openai/v1/responses"
    assert logged["headers"]["api-key"] == AZURE_KEY
    assert logged["body"]["model"] == "my-deployment"


def test_round_trip_faults(fake: FakeProvider, http: httpx.Client) -> None:
    failing = chat(user("Hi"), model="fail-500")
    response = send(http, WIRE.build_chat(failing, fake_target(fake, model="fail-500")))
    assert response.status_code == 500 and WIRE.error_message(response.content)
    garbage = chat(user("Hi there, how are you?"), model="fail-garbage", stream=True)
    upstream = WIRE.build_chat(garbage, fake_target(fake, model="fail-garbage"))
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        stream(http, upstream, WIRE.stream_decoder())
