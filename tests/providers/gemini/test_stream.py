"""Gemini streams: SSE chunks decoded at any byte boundary, usage reported by difference."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from modelyard.errors import UpstreamError
from modelyard.llm_types import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReport,
)
from modelyard.providers.base import UpstreamProtocolError
from modelyard.providers.gemini import CHAT_WIRE
from tests.providers.gemini import ANSWER, ANSWER_USAGE
from tests.providers.roundtrip import collect, feed


def decode(data: bytes, step: int = 1) -> tuple[list[StreamEvent], bool]:
    return feed(CHAT_WIRE.stream_decoder(), data, step)


def sse(*chunks: dict[str, Any], newline: bytes = b"\r\n") -> bytes:
    return b"".join(b"data: " + orjson.dumps(c) + newline + newline for c in chunks)


STREAM = sse(
    {
        "candidates": [
            {"content": {"parts": [{"text": "Hmm…", "thought": True}], "role": "model"}}
        ],
        "usageMetadata": {"promptTokenCount": 1290, "totalTokenCount": 1290},
    },
    {
        "candidates": [{"content": {"parts": [{"text": "A cat"}], "role": "model"}, "index": 0}],
        "usageMetadata": {"promptTokenCount": 1290, "totalTokenCount": 1290},
    },
    {
        "candidates": [
            {
                "content": {"parts": [{"text": " on a sofa. 🐱"}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": ANSWER["usageMetadata"],
    },
)


@pytest.mark.parametrize("step", [1, 2, 7, len(STREAM)])
def test_stream_at_awkward_boundaries(step: int) -> None:
    events, finished = decode(STREAM, step)
    assert finished
    assert events == [
        ReasoningDelta("Hmm…"),
        TextDelta("A cat"),
        TextDelta(" on a sofa. 🐱"),
        Finish("stop"),
        UsageReport(ANSWER_USAGE),
    ]


def test_stream_with_lf_line_ends_and_comments() -> None:
    data = b": keep-alive\n\n" + STREAM.replace(b"\r\n", b"\n")
    events, finished = decode(data, 3)
    assert finished
    assert collect(events).usage == ANSWER_USAGE


def test_stream_is_not_finished_before_the_finish_reason() -> None:
    first_two = STREAM[: STREAM.index(b"data:", STREAM.index(b"A cat"))]
    events, finished = decode(first_two)
    assert not finished
    assert events == [ReasoningDelta("Hmm…"), TextDelta("A cat")]


def test_stream_tool_calls() -> None:
    data = sse(
        {
            "candidates": [
                {"content": {"parts": [{"functionCall": {"name": "a", "args": {"x": 1}}}]}}
            ]
        },
        {
            "candidates": [
                {
                    "content": {
                        "parts": [
                            {"functionCall": {"name": "b", "args": {}}, "thoughtSignature": "s"}
                        ]
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 4},
        },
    )
    events, finished = decode(data, 5)
    assert finished
    assert events == [
        ToolCallDelta(0, "call_0", "a", '{"x":1}'),
        ToolCallDelta(1, "call_1", "b", "{}", "gemini-ts:s"),  # the signature, with the id
        Finish("tool_calls"),
        UsageReport(Usage(input_tokens=10, output_tokens=4)),
    ]


def test_stream_usage_repeated_after_the_finish_adds_up() -> None:
    final = {"promptTokenCount": 10, "candidatesTokenCount": 4}
    data = sse(
        {
            "candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "MAX_TOKENS"}],
            "usageMetadata": final,
        },
        {"usageMetadata": final},
        {"usageMetadata": {**final, "candidatesTokenCount": 6, "cachedContentTokenCount": 2}},
    )
    events, _ = decode(data)
    assert [e for e in events if isinstance(e, Finish)] == [Finish("length")]
    assert len([e for e in events if isinstance(e, UsageReport)]) == 2
    assert collect(events).usage == Usage(input_tokens=8, output_tokens=6, cache_read_tokens=2)


def test_stream_blocked_prompt() -> None:
    data = sse(
        {
            "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
            "usageMetadata": {"promptTokenCount": 5},
        }
    )
    events, finished = decode(data)
    assert finished
    assert events == [Finish("content_filter"), UsageReport(Usage(input_tokens=5))]


def test_stream_error_chunk() -> None:
    error = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    decoder = CHAT_WIRE.stream_decoder()
    assert decoder.feed(STREAM[: STREAM.index(b"data:", 10)]) == [ReasoningDelta("Hmm…")]
    with pytest.raises(UpstreamError) as caught:
        decoder.feed(sse(error))
    assert not isinstance(caught.value, UpstreamProtocolError)
    assert "The model is overloaded." in caught.value.message
    assert caught.value.code == "UNAVAILABLE"


def test_stream_malformed_chunk() -> None:
    with pytest.raises(UpstreamProtocolError, match="malformed"):
        decode(b'data: {"candidates": [\r\n\r\n')
    with pytest.raises(UpstreamProtocolError, match="malformed"):
        decode(b"data: [1]\r\n\r\n")
