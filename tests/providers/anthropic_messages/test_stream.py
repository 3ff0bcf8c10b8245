"""Anthropic Messages streams: SSE events decoded at any byte boundary, usage reported once."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.types import RawMessageStreamEvent
from pydantic import TypeAdapter

from modelyard.errors import UpstreamError
from modelyard.llm_types import StreamEvent, Usage, UsageReport
from modelyard.providers.anthropic_messages import WIRE
from modelyard.providers.base import UpstreamProtocolError
from tests.providers.anthropic_messages import MALFORMED
from tests.providers.roundtrip import collect, feed

SDK_EVENT = TypeAdapter[Any](RawMessageStreamEvent)


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
    return feed(WIRE.stream_decoder(), data, step)


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
