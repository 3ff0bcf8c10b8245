"""The Anthropic Messages wire: pure translation, then round trips through the fake provider.

Hand-written bodies and events are first checked against the official ``anthropic`` SDK's types,
so they are shapes the real API can send; where the SDK parses the same bytes, its usage numbers
are compared with ours.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx
import orjson
import pytest
from anthropic.types import Message as SDKMessage
from anthropic.types import RawMessageStreamEvent
from pydantic import TypeAdapter

from modelyard.errors import BadRequest, UpstreamError
from modelyard.llm_types import (
    ChatRequest,
    Finish,
    ImagePart,
    Message,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
    UsageReport,
)
from modelyard.providers import connections
from modelyard.providers.anthropic_messages import WIRE
from modelyard.providers.base import Target, UpstreamProtocolError, UpstreamRequest
from modelyard.testing import FakeProvider

SECRET = "sk-ant-test-secret"
PNG = "iVBORw0KGgoAAAANSUhEUg=="
WEATHER = ToolSpec(
    name="get_weather",
    description="Weather of a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
MALFORMED = r"^Anthropic sent a malformed response: "
SDK_EVENT = TypeAdapter[Any](RawMessageStreamEvent)


def target(base_url: str | None = None, model: str = "claude-sonnet-4-5") -> Target:
    return Target("anthropic", connections.ANTHROPIC, model, SECRET, base_url=base_url)


def user(text: str) -> Message:
    return Message("user", [TextPart(text)])


def chat(*messages: Message, **options: Any) -> ChatRequest:
    return ChatRequest(
        model=options.pop("model", "claude-sonnet-4-5"), messages=list(messages), **options
    )


def body_of(request: ChatRequest) -> dict[str, Any]:
    built = WIRE.build_chat(request, target())
    assert built.json is not None
    return built.json


@dataclass
class Collected:
    """A stream's events put back together."""

    text: str = ""
    reasoning: str = ""
    tools: dict[int, dict[str, str]] = field(default_factory=dict)
    finishes: list[str] = field(default_factory=list)
    reports: list[Usage] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for report in self.reports:
            total.add(report)
        return total


def collect(events: list[StreamEvent]) -> Collected:
    out = Collected()
    for event in events:
        if isinstance(event, TextDelta):
            out.text += event.text
        elif isinstance(event, ReasoningDelta):
            out.reasoning += event.text
        elif isinstance(event, ToolCallDelta):
            tool = out.tools.setdefault(event.index, {"id": "", "name": "", "arguments": ""})
            tool["id"] += event.id or ""
            tool["name"] += event.name or ""
            tool["arguments"] += event.arguments
        elif isinstance(event, Finish):
            out.finishes.append(event.reason)
        elif isinstance(event, UsageReport):
            out.reports.append(event.usage)
    return out


# --- request -----------------------------------------------------------------------------------


def test_url_headers_and_minimal_body() -> None:
    built = WIRE.build_chat(chat(user("Hi")), target("http://127.0.0.1:9/"))
    assert built.url == "http://127.0.0.1:9/v1/messages"
    assert built.headers == {"x-api-key": SECRET, "anthropic-version": "2023-06-01"}
    assert built.method == "POST" and built.stream is False and built.form is None
    assert built.json == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
    }


def test_system_messages_lifted_and_same_roles_merged() -> None:
    body = body_of(
        chat(
            Message("system", [TextPart("Be brief.")]),
            user("one"),
            Message("system", [TextPart("Answer in French.")]),
            user("two"),
            Message("assistant", [TextPart("Un.")]),
            Message("assistant", [TextPart("Deux.")]),
            Message("user", [TextPart("")]),  # empty: dropped, Anthropic refuses empty blocks
            user("three"),
        )
    )
    assert body["system"] == "Be brief.\n\nAnswer in French."
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
        },
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "Un."}, {"type": "text", "text": "Deux."}],
        },
        {"role": "user", "content": [{"type": "text", "text": "three"}]},
    ]


def test_images_become_base64_or_url_sources() -> None:
    message = Message(
        "user",
        [
            TextPart("Compare"),
            ImagePart(f"data:image/png;base64,{PNG}", detail="high"),
            ImagePart("https://example.com/cat.jpg"),
        ],
    )
    assert body_of(chat(message))["messages"][0]["content"] == [
        {"type": "text", "text": "Compare"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]


def test_a_data_url_that_is_not_base64_is_refused() -> None:
    with pytest.raises(BadRequest) as caught:
        body_of(chat(Message("user", [ImagePart("data:image/svg+xml,<svg/>")])))
    assert caught.value.param == "messages"


def test_tool_loop_messages() -> None:
    call = ToolCall("toolu_1", "get_weather", '{"city": "Paris"}')
    other = ToolCall("toolu_2", "get_weather", "")
    body = body_of(
        chat(
            user("Weather in Paris and Rome?"),
            Message("assistant", [TextPart("Checking.")], tool_calls=[call, other]),
            Message("tool", [TextPart("18C, sunny")], tool_call_id="toolu_1"),
            Message(
                "tool",
                [TextPart("chart:"), ImagePart(f"data:image/png;base64,{PNG}")],
                tool_call_id="toolu_2",
            ),
            tools=[WEATHER],
        )
    )
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather of a city.",
            "input_schema": WEATHER.parameters,
        }
    ]
    assert "tool_choice" not in body
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Checking."},
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
            {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {}},
        ],
    }
    assert body["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C, sunny"},
            {
                "type": "tool_result",
                "tool_use_id": "toolu_2",
                "content": [
                    {"type": "text", "text": "chart:"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                    },
                ],
            },
        ],
    }


def test_tool_results_come_first_in_a_merged_user_turn() -> None:
    body = body_of(
        chat(
            Message("assistant", tool_calls=[ToolCall("toolu_1", "get_weather", "{}")]),
            user("Also, be quick."),
            Message("tool", [], tool_call_id="toolu_1"),
        )
    )
    assert body["messages"][1]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1"},
        {"type": "text", "text": "Also, be quick."},
    ]


@pytest.mark.parametrize("arguments", ['{"city": ', "[1, 2]"])
def test_tool_call_arguments_must_be_a_json_object(arguments: str) -> None:
    message = Message("assistant", tool_calls=[ToolCall("toolu_1", "get_weather", arguments)])
    with pytest.raises(BadRequest) as caught:
        body_of(chat(user("Hi"), message))
    assert caught.value.param == "messages"
    assert "toolu_1" in caught.value.message


def test_a_tool_message_needs_its_call_id() -> None:
    with pytest.raises(BadRequest):
        body_of(chat(user("Hi"), Message("tool", [TextPart("result")])))


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        (None, None, None),
        ("auto", None, {"type": "auto"}),
        ("none", False, {"type": "none"}),
        ("required", None, {"type": "any"}),
        ("get_weather", None, {"type": "tool", "name": "get_weather"}),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (None, True, None),
    ],
)
def test_tool_choice(
    choice: str | None, parallel: bool | None, expected: dict[str, Any] | None
) -> None:
    body = body_of(
        chat(user("Hi"), tools=[WEATHER], tool_choice=choice, parallel_tool_calls=parallel)
    )
    assert body.get("tool_choice") == expected


def test_tool_choice_without_tools_is_not_sent() -> None:
    assert "tool_choice" not in body_of(chat(user("Hi"), tool_choice="required"))


def test_tool_without_parameters_gets_an_object_schema() -> None:
    body = body_of(chat(user("Hi"), tools=[ToolSpec("now")]))
    assert body["tools"] == [{"name": "now", "input_schema": {"type": "object", "properties": {}}}]


def test_sampling_options_stop_user_and_stream() -> None:
    built = WIRE.build_chat(
        chat(
            user("Hi"),
            max_tokens=300,
            temperature=0.2,
            top_p=0.9,
            stop=["END"],
            user="u-1",
            stream=True,
        ),
        target(),
    )
    assert built.stream is True
    assert built.json == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u-1"},
        "temperature": 0.2,
        "top_p": 0.9,
        "stream": True,
    }


def test_no_sampling_options_are_invented() -> None:
    body = body_of(chat(user("Hi")))
    for key in ("temperature", "top_p", "stop_sequences", "thinking", "stream", "system", "tools"):
        assert key not in body


@pytest.mark.parametrize(
    ("effort", "include", "budget"),
    [(None, True, 4096), ("low", False, 1024), ("medium", False, 4096), ("high", True, 16384)],
)
def test_thinking_budget_from_effort(effort: str | None, include: bool, budget: int) -> None:
    body = body_of(
        chat(
            user("Hi"),
            max_tokens=64000,
            temperature=0.5,
            top_p=0.9,
            reasoning_effort=effort,
            include_reasoning=include,
        )
    )
    assert body["thinking"] == {"type": "enabled", "budget_tokens": budget}
    assert body["max_tokens"] == 64000
    assert "temperature" not in body and "top_p" not in body  # Anthropic forbids them with thinking


def test_max_tokens_raised_above_the_thinking_budget() -> None:
    body = body_of(chat(user("Hi"), max_tokens=500, reasoning_effort="high"))
    assert body["thinking"]["budget_tokens"] == 16384
    assert body["max_tokens"] == 16384 + 500
    default = body_of(chat(user("Hi"), include_reasoning=True))
    assert default["max_tokens"] == 4096 + 4096 > default["thinking"]["budget_tokens"]


def test_thinking_off_where_anthropic_would_refuse_it() -> None:
    assert "thinking" not in body_of(
        chat(user("Hi"), reasoning_effort="none", include_reasoning=True)
    )
    forced = body_of(
        chat(user("Hi"), tools=[WEATHER], tool_choice="get_weather", include_reasoning=True)
    )
    assert "thinking" not in forced
    loop = chat(
        user("Weather?"),
        Message("assistant", tool_calls=[ToolCall("toolu_1", "get_weather", "{}")]),
        Message("tool", [TextPart("sunny")], tool_call_id="toolu_1"),
        tools=[WEATHER],
        include_reasoning=True,
        temperature=0.3,
    )
    body = body_of(loop)
    assert "thinking" not in body
    assert body["temperature"] == 0.3
    loop.messages.append(user("And in Rome?"))  # still the same assistant turn
    assert "thinking" not in body_of(loop)
    prefill = chat(user("Hi"), Message("assistant", [TextPart("Sure:")]), include_reasoning=True)
    assert "thinking" not in body_of(prefill)
    later = chat(
        *loop.messages,
        Message("assistant", [TextPart("Sunny in both.")]),
        user("Thanks, and tomorrow?"),
        include_reasoning=True,
    )
    assert body_of(later)["thinking"] == {"type": "enabled", "budget_tokens": 4096}


# --- response ----------------------------------------------------------------------------------

FULL_MESSAGE: dict[str, Any] = {
    "id": "msg_01AbC",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "thinking", "thinking": "The user asks", "signature": "EqQB"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "text", "text": "Let me check. "},
        {
            "type": "tool_use",
            "id": "toolu_01",
            "name": "get_weather",
            "input": {"city": "Paris", "days": [1, 2]},
        },
        {"type": "text", "text": "Done."},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 18,
        "cache_creation_input_tokens": 1500,
        "cache_read_input_tokens": 300,
        "cache_creation": {"ephemeral_5m_input_tokens": 1500, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 95,
        "output_tokens_details": {"thinking_tokens": 40},
        "service_tier": "standard",
    },
}


def sdk_usage(usage: Any) -> Usage:
    """The internal usage as WIRE-FORMATS.md section 9 maps the SDK's parsed usage."""
    details = usage.output_tokens_details
    return Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_input_tokens or 0,
        cache_write_tokens=usage.cache_creation_input_tokens or 0,
        reasoning_tokens=details.thinking_tokens if details else 0,
    )


def test_parse_a_full_message_like_the_sdk() -> None:
    raw = orjson.dumps(FULL_MESSAGE)
    sdk = SDKMessage.model_validate_json(raw)
    parsed = WIRE.parse_chat(raw)
    assert parsed.id == sdk.id == "msg_01AbC"
    assert parsed.model == sdk.model
    assert parsed.text == "Let me check. Done."
    assert parsed.reasoning == "The user asks"
    assert parsed.tool_calls == [
        ToolCall("toolu_01", "get_weather", '{"city":"Paris","days":[1,2]}')
    ]
    assert parsed.finish_reason == "tool_calls"
    assert parsed.usage == sdk_usage(sdk.usage)
    assert parsed.usage == Usage(
        input_tokens=18,
        output_tokens=95,
        cache_read_tokens=300,
        cache_write_tokens=1500,
        reasoning_tokens=40,
    )
    assert parsed.usage.prompt_tokens == 18 + 300 + 1500


def test_parse_a_minimal_message() -> None:
    raw = orjson.dumps(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5",
            "content": [],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 3, "output_tokens": 0, "cache_read_input_tokens": None},
        }
    )
    sdk = SDKMessage.model_validate_json(raw)
    parsed = WIRE.parse_chat(raw)
    assert (parsed.text, parsed.reasoning, parsed.tool_calls) == ("", None, [])
    assert parsed.usage == sdk_usage(sdk.usage) == Usage(input_tokens=3)


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("pause_turn", "stop"),
        ("model_context_window_exceeded", "length"),
        (None, "stop"),
    ],
)
def test_stop_reasons(stop_reason: str | None, finish: str) -> None:
    raw = orjson.dumps({**FULL_MESSAGE, "stop_reason": stop_reason})
    SDKMessage.model_validate_json(raw)
    assert WIRE.parse_chat(raw).finish_reason == finish


def _without(key: str) -> bytes:
    return orjson.dumps({k: v for k, v in FULL_MESSAGE.items() if k != key})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"id": "msg_1", "content": [',
        b"[]",
        _without("id"),
        _without("model"),
        _without("content"),
        _without("usage"),
        orjson.dumps({**FULL_MESSAGE, "content": "text"}),
        orjson.dumps({**FULL_MESSAGE, "content": ["text"]}),
        orjson.dumps({**FULL_MESSAGE, "content": [{"type": "text"}]}),
        orjson.dumps({**FULL_MESSAGE, "content": [{"type": "tool_use", "name": "x", "input": {}}]}),
        orjson.dumps(
            {
                **FULL_MESSAGE,
                "content": [{"type": "tool_use", "id": "t", "name": "x", "input": "{}"}],
            }
        ),
        orjson.dumps({**FULL_MESSAGE, "usage": {"input_tokens": "18", "output_tokens": 1}}),
        orjson.dumps({**FULL_MESSAGE, "usage": {"input_tokens": 18}}),
        orjson.dumps(
            {
                **FULL_MESSAGE,
                "usage": {"input_tokens": 1, "output_tokens": 1, "cache_read_input_tokens": 1.5},
            }
        ),
        b"\xff\xfe",
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_chat(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}',
            "Overloaded",
        ),
        (
            b'{"type":"error","error":{"type":"invalid_request_error",'
            b'"message":"max_tokens: Field required"}}',
            "max_tokens: Field required",
        ),
        (b'{"type":"error","error":{"type":"api_error"}}', None),
        (b'{"error": "nope"}', None),
        (b"<html>Bad gateway</html>", None),
        (b"[]", None),
        (b"", None),
    ],
)
def test_error_message(body: bytes, message: str | None) -> None:
    assert WIRE.error_message(body) == message


# --- stream ------------------------------------------------------------------------------------


def sse(*events: dict[str, Any], checked: bool = True) -> bytes:
    """Frame events as Anthropic does (``event:`` line equal to the JSON type), checking each
    against the SDK's stream event types first."""
    out = b""
    for event in events:
        if checked and event["type"] not in ("ping", "error"):
            SDK_EVENT.validate_python(event)
        data = orjson.dumps(event)
        out += b"event: " + event["type"].encode() + b"\ndata: " + data + b"\n\n"
    return out


START_USAGE = {
    "input_tokens": 18,
    "cache_creation_input_tokens": 1500,
    "cache_read_input_tokens": 300,
    "cache_creation": {"ephemeral_5m_input_tokens": 1500, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 1,
    "service_tier": "standard",
}
MESSAGE_START = {
    "type": "message_start",
    "message": {
        "id": "msg_01AbC",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": START_USAGE,
    },
}
PING = {"type": "ping"}
STOP = {"type": "message_stop"}


def block_events(
    index: int, block: dict[str, Any], *deltas: dict[str, Any]
) -> list[dict[str, Any]]:
    return [
        {"type": "content_block_start", "index": index, "content_block": block},
        *({"type": "content_block_delta", "index": index, "delta": delta} for delta in deltas),
        {"type": "content_block_stop", "index": index},
    ]


def message_delta(stop_reason: str, **usage: Any) -> dict[str, Any]:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": usage,
    }


RECORDED = sse(
    MESSAGE_START,
    *block_events(
        0,
        {"type": "thinking", "thinking": "", "signature": ""},
        {"type": "thinking_delta", "thinking": "The user "},
        {"type": "thinking_delta", "thinking": "asks ✓"},
        {"type": "signature_delta", "signature": "EqQB"},
    ),
    PING,
    *block_events(
        1,
        {"type": "text", "text": ""},
        {"type": "text_delta", "text": "Héllo, "},
        {"type": "text_delta", "text": "checking."},
    ),
    *block_events(
        2,
        {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {}},
        {"type": "input_json_delta", "partial_json": ""},
        {"type": "input_json_delta", "partial_json": '{"city": "Pa'},
        {"type": "input_json_delta", "partial_json": 'ris"}'},
    ),
    *block_events(3, {"type": "tool_use", "id": "toolu_02", "name": "now", "input": {}}),
    message_delta(
        "tool_use",
        input_tokens=18,
        cache_creation_input_tokens=1500,
        cache_read_input_tokens=300,
        output_tokens=95,
        output_tokens_details={"thinking_tokens": 40},
    ),
    STOP,
)
RECORDED_USAGE = Usage(
    input_tokens=18,
    output_tokens=95,
    cache_read_tokens=300,
    cache_write_tokens=1500,
    reasoning_tokens=40,
)


def decode(data: bytes, step: int | None = None) -> tuple[list[StreamEvent], bool]:
    decoder = WIRE.stream_decoder()
    events: list[StreamEvent] = []
    step = step or len(data) or 1
    for start in range(0, len(data), step):
        events += decoder.feed(data[start : start + step])
    return events, decoder.finished


@pytest.mark.parametrize("step", [None, 1, 7, 64])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_recorded_stream_at_any_byte_boundary(step: int | None, newline: bytes) -> None:
    data = RECORDED if newline == b"\n" else RECORDED.replace(b"\n", b"\r\n")
    events, finished = decode(data, step)
    assert finished
    out = collect(events)
    assert out.reasoning == "The user asks ✓"
    assert out.text == "Héllo, checking."
    assert out.tools == {
        0: {"id": "toolu_01", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        1: {"id": "toolu_02", "name": "now", "arguments": "{}"},
    }
    assert out.finishes == ["tool_calls"]
    assert out.usage == RECORDED_USAGE
    # input and cache tokens are reported as soon as message_start arrives, never twice
    assert out.reports[0] == Usage(
        input_tokens=18, output_tokens=1, cache_read_tokens=300, cache_write_tokens=1500
    )
    assert out.reports[1] == Usage(output_tokens=94, reasoning_tokens=40)


def test_first_events_come_out_before_the_stream_ends() -> None:
    decoder = WIRE.stream_decoder()
    cut = RECORDED.index(b"event: content_block_stop")
    events = decoder.feed(RECORDED[:cut])
    assert isinstance(events[0], UsageReport)
    assert collect(events).reasoning == "The user asks ✓"
    assert not decoder.finished


def test_message_delta_usage_replaces_the_start_snapshot() -> None:
    """Cumulative counts: a message_delta may revise input tokens (server tools), or send
    only output_tokens (older API versions); either way the reports add up to the final usage."""
    revised, _ = decode(
        sse(MESSAGE_START, message_delta("end_turn", input_tokens=25, output_tokens=7), STOP)
    )
    assert collect(revised).usage == Usage(
        input_tokens=25, output_tokens=7, cache_read_tokens=300, cache_write_tokens=1500
    )
    only_output, _ = decode(sse(MESSAGE_START, message_delta("max_tokens", output_tokens=1), STOP))
    out = collect(only_output)
    assert out.usage == Usage(
        input_tokens=18, output_tokens=1, cache_read_tokens=300, cache_write_tokens=1500
    )
    assert len(out.reports) == 1  # nothing new to report
    assert out.finishes == ["length"]


def test_error_event_inside_a_stream() -> None:
    decoder = WIRE.stream_decoder()
    decoder.feed(sse(MESSAGE_START, *block_events(0, {"type": "text", "text": ""})))
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    with pytest.raises(UpstreamError) as caught:
        decoder.feed(sse(error))
    assert not isinstance(caught.value, UpstreamProtocolError)
    assert caught.value.code == "overloaded_error"
    assert "Overloaded" in caught.value.message
    assert not decoder.finished


@pytest.mark.parametrize(
    "data",
    [
        b'event: message_start\ndata: {"type": "message_start", \n\n',
        b"event: message_start\ndata: [1]\n\n",
        b"data: \xff\xfe\n\n",
        sse({"type": "message_start", "message": {"id": "m"}}, checked=False),
        b'data: {"type":"content_block_delta","index":"0","delta":{"type":"text_delta","text":"x"}}'
        b"\n\n",
        b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta"}}\n\n',
        b'data: {"type":"content_block_start","index":0,'
        b'"content_block":{"type":"tool_use","input":{}}}\n\n',
        b'data: {"type":"message_delta","delta":{"stop_reason":"end_turn"}}\n\n',
        b'data: {"type":"message_delta","delta":{},"usage":{"output_tokens":"3"}}\n\n',
    ],
)
def test_malformed_stream_events(data: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        decode(data)


def test_unknown_events_and_blocks_are_ignored_and_the_end_is_final() -> None:
    data = (
        b": keep-alive\n\n"
        + sse(MESSAGE_START)
        + b'event: future_event\ndata: {"type": "future_event", "x": 1}\n\n'
        + sse(
            *block_events(
                0,
                {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
                {"type": "input_json_delta", "partial_json": '{"query": "x"}'},
            ),
            *block_events(1, {"type": "text", "text": "Hi", "citations": None}),
            message_delta("end_turn", output_tokens=3),
            STOP,
        )
        + sse(
            *block_events(
                2, {"type": "text", "text": ""}, {"type": "text_delta", "text": "after the end"}
            )
        )
    )
    events, finished = decode(data)
    assert finished
    out = collect(events)
    assert (out.text, out.tools, out.finishes) == ("Hi", {}, ["stop"])


# --- round trips through the fake provider ------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def sdk(fake: FakeProvider) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fake.url, api_key=SECRET, max_retries=0) as client:
        yield client


def send(http: httpx.Client, upstream: UpstreamRequest) -> httpx.Response:
    return http.request(upstream.method, upstream.url, headers=upstream.headers, json=upstream.json)


def send_stream(
    http: httpx.Client, upstream: UpstreamRequest
) -> tuple[list[StreamEvent], bool, bytes]:
    decoder = WIRE.stream_decoder()
    events: list[StreamEvent] = []
    raw = b""
    with http.stream(
        upstream.method, upstream.url, headers=upstream.headers, json=upstream.json
    ) as response:
        assert response.status_code == 200
        for chunk in response.iter_raw():
            raw += chunk
            events += decoder.feed(chunk)
    return events, decoder.finished, raw


def tokens(*texts: str, images: int = 0) -> int:
    """The fake's prompt tokens of one message (see modelyard.testing)."""
    return 4 + math.ceil(sum(len(t) for t in texts) / 4) + 85 * images


def test_round_trip_text_with_system_and_images(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = chat(
        Message("system", [TextPart("Be brief.")]),
        Message("user", [TextPart("What is this?"), ImagePart(f"data:image/png;base64,{PNG}")]),
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
    events, finished, _ = send_stream(http, upstream)
    assert finished
    out = collect(events)
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
    events, finished, _ = send_stream(http, WIRE.build_chat(request, target(fake.url)))
    out = collect(events)
    assert finished and out.finishes == ["tool_calls"]
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
    events, _, raw = send_stream(http, WIRE.build_chat(request, target(fake.url, model)))
    with sdk.messages.stream(
        model=model, max_tokens=50, system="Be brief.", messages=[{"role": "user", "content": text}]
    ) as stream:
        final = stream.get_final_message()
    out = collect(events)
    assert out.usage == sdk_usage(final.usage)
    assert out.text == "".join(block.text for block in final.content if block.type == "text")
    decoder = WIRE.stream_decoder()
    assert collect(decoder.feed(raw)).usage == out.usage


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
        send_stream(http, WIRE.build_chat(request, target(fake.url, "fail-garbage")))


def test_round_trip_cut_stream_is_not_finished(fake: FakeProvider, http: httpx.Client) -> None:
    request = chat(user("one two three four five six"), model="fail-cut", stream=True)
    upstream = WIRE.build_chat(request, target(fake.url, "fail-cut"))
    decoder = WIRE.stream_decoder()
    events: list[StreamEvent] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        http.stream(
            upstream.method, upstream.url, headers=upstream.headers, json=upstream.json
        ) as response,
    ):
        for chunk in response.iter_raw():
            events += decoder.feed(chunk)
    assert not decoder.finished
    assert collect(events).usage.input_tokens == tokens("one two three four five six")
