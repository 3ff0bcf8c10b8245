"""Signed thinking blocks ride on tool calls and go back first in the assistant message.

Anthropic, with thinking on, refuses a continued tool loop whose last assistant message does
not start with its thinking block (signature included, unmodified); these tests read the
blocks from answers and streams, and check what the next request sends.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from modelyard.llm_types import ChatRequest, Message, TextPart, ToolCall, ToolCallDelta, ToolSpec
from modelyard.providers.anthropic_messages import WIRE
from modelyard.providers.anthropic_messages.request import build_body
from modelyard.providers.base import Target
from modelyard.testing import FakeProvider
from modelyard.testing.anthropic_messages import stream_events
from tests.providers.roundtrip import collect, feed, on_fake, send

THINKING = {"type": "thinking", "thinking": "Weather needs a tool.", "signature": "EqQBsig=="}
REDACTED = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va"}
TOOL_USE = {
    "type": "tool_use",
    "id": "toolu_01A",
    "name": "get_weather",
    "input": {"city": "Paris"},
}
WEATHER = ToolSpec(
    "get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}}
)


def target(fake: FakeProvider) -> Target:
    return on_fake(fake, "anthropic", "claude-sonnet-4-5")


def message(*content: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": list(content),
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 20},
    }


def follow_up(calls: list[ToolCall], effort: str | None = "low") -> dict[str, Any]:
    """The body of the request that sends the tool results back."""
    request = ChatRequest(
        model="claude-sonnet-4-5",
        messages=[
            Message("user", [TextPart("Weather in Paris?")]),
            Message("assistant", [TextPart("Checking.")], tool_calls=calls),
            *(Message("tool", [TextPart("Sunny")], tool_call_id=c.id) for c in calls),
        ],
        tools=[WEATHER],
        reasoning_effort=effort,
    )
    return build_body(request)


def test_thinking_goes_back_first_and_unmodified() -> None:
    answer = WIRE.parse_chat(orjson.dumps(message(THINKING, REDACTED, TOOL_USE)))
    body = follow_up(answer.tool_calls)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assistant = body["messages"][1]
    assert assistant["content"] == [
        THINKING,
        REDACTED,
        {"type": "text", "text": "Checking."},
        TOOL_USE,
    ]
    assert body["messages"][2]["content"][0]["tool_use_id"] == "toolu_01A"


def test_a_tool_turn_without_its_thinking_goes_without_thinking() -> None:
    """The client lost the data: thinking is off for this request rather than a 400."""
    body = follow_up([ToolCall("toolu_01A", "get_weather", '{"city":"Paris"}')])
    assert "thinking" not in body
    assert [b["type"] for b in body["messages"][1]["content"]] == ["text", "tool_use"]
    foreign = ToolCall("toolu_01A", "get_weather", "{}", "gemini-ts:abc")  # another wire's data
    assert "thinking" not in follow_up([foreign])
    broken = ToolCall("toolu_01A", "get_weather", "{}", "anthropic-thinking:[{")
    assert "thinking" not in follow_up([broken])


def test_thinking_is_not_sent_when_thinking_is_off() -> None:
    answer = WIRE.parse_chat(orjson.dumps(message(THINKING, TOOL_USE)))
    body = follow_up(answer.tool_calls, effort=None)
    assert "thinking" not in body
    assert [b["type"] for b in body["messages"][1]["content"]] == ["text", "tool_use"]


def test_interleaved_thinking_stays_before_its_own_call() -> None:
    second_thinking = {**THINKING, "thinking": "And Rome.", "signature": "sig2"}
    second_call = {**TOOL_USE, "id": "toolu_02B", "input": {"city": "Rome"}}
    answer = WIRE.parse_chat(
        orjson.dumps(message(THINKING, TOOL_USE, second_thinking, second_call))
    )
    content = follow_up(answer.tool_calls)["messages"][1]["content"]
    assert content == [
        THINKING,
        {"type": "text", "text": "Checking."},
        TOOL_USE,
        second_thinking,
        second_call,
    ]


def _sse(answer: dict[str, Any]) -> bytes:
    """The event stream the fake provider sends for ``answer`` (the real event sequence)."""
    return b"".join(
        b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n"
        for kind, data in stream_events(answer)
    )


def test_a_stream_gives_the_same_data_with_the_first_piece_of_the_call() -> None:
    answer = message(THINKING, REDACTED, TOOL_USE)
    parsed = WIRE.parse_chat(orjson.dumps(answer))
    for step in (1, 7, None):
        events, finished = feed(WIRE.stream_decoder(), _sse(answer), step)
        first = next(e for e in events if isinstance(e, ToolCallDelta))
        assert finished and first.id == "toolu_01A"
        assert first.provider_data == parsed.tool_calls[0].provider_data
        assert first.provider_data is not None and "EqQBsig==" in first.provider_data
        assert collect(events).tools[0]["arguments"] == parsed.tool_calls[0].arguments


def test_round_trip_through_the_fake_that_checks_signatures(
    fake: FakeProvider, http: httpx.Client
) -> None:
    """The fake refuses a thinking-on tool loop without the signed block, like Anthropic."""
    weather = ChatRequest(
        model="claude-sonnet-4-5",
        messages=[Message("user", [TextPart("Weather in Paris?")])],
        tools=[WEATHER],
        reasoning_effort="low",
    )
    first = WIRE.parse_chat(send(http, WIRE.build_chat(weather, target(fake))).content)
    calls = first.tool_calls
    assert calls and calls[0].provider_data
    weather.messages += [
        Message("assistant", tool_calls=calls),
        Message("tool", [TextPart("Sunny")], tool_call_id=calls[0].id),
    ]
    upstream = WIRE.build_chat(weather, target(fake))
    assert upstream.json is not None and "thinking" in upstream.json
    answer = send(http, upstream)
    assert answer.status_code == 200, answer.text
    # The same body without the thinking block is what the real API refuses.
    assistant = upstream.json["messages"][1]
    assistant["content"] = assistant["content"][1:]
    refused = send(http, upstream)
    assert refused.status_code == 400
    assert refused.json()["error"]["type"] == "invalid_request_error"
    assert "Expected `thinking` or `redacted_thinking`" in refused.json()["error"]["message"]
    # A tampered signature too.
    assistant["content"].insert(0, {**THINKING, "thinking": "Something else."})
    assert send(http, upstream).status_code == 400
