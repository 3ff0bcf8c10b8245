"""Chat Completions streams: chunks decoded at any byte boundary, usage reported by difference."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from openai.types.chat import ChatCompletionChunk

from modelyard.errors import UpstreamError
from modelyard.llm_types import StreamEvent, TextDelta, Usage, UsageReport
from modelyard.providers.base import UpstreamProtocolError
from modelyard.providers.openai_chat import WIRE
from tests.providers.openai_chat import FULL_USAGE, MALFORMED
from tests.providers.roundtrip import collect, feed

BASE = {
    "id": "chatcmpl-9xYz",
    "object": "chat.completion.chunk",
    "created": 1741569952,
    "model": "gpt-4.1-mini-2025-04-14",
    "system_fingerprint": "fp_1a2b3c",
}
AZURE_FILTER_CHUNK = {
    "choices": [],
    "created": 0,
    "id": "",
    "model": "",
    "object": "",
    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {**BASE, "choices": [choice], "usage": None, **extra}


def tool_piece(index: int, arguments: str, **start: Any) -> dict[str, Any]:
    piece: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if start:
        piece.update(id=start["id"], type="function")
        piece["function"]["name"] = start["name"]
    return chunk({"tool_calls": [piece]})


def sse(*chunks: dict[str, Any] | str, validate: bool = True) -> bytes:
    out = b""
    for item in chunks:
        if isinstance(item, str):
            out += f"data: {item}\n\n".encode()
            continue
        if validate and item.get("object") == "chat.completion.chunk":
            ChatCompletionChunk.model_validate(item)
        out += b"data: " + orjson.dumps(item) + b"\n\n"
    return out


RECORDED = sse(
    AZURE_FILTER_CHUNK,
    chunk({"role": "assistant", "content": "", "refusal": None}),
    chunk({"reasoning_content": "Think "}),
    chunk({"reasoning_content": "hard ✓"}),
    chunk({"content": "Héllo, "}),
    chunk({"content": "checking."}),
    tool_piece(0, "", id="call_a", name="get_weather"),
    tool_piece(0, '{"city": "Pa'),
    tool_piece(1, "", id="call_b", name="now"),
    tool_piece(0, 'ris"}'),
    tool_piece(1, "{}"),
    chunk({}, "tool_calls"),
    {**BASE, "choices": [], "usage": FULL_USAGE},
    "[DONE]",
)
RECORDED_USAGE = Usage(
    input_tokens=186, output_tokens=90, cache_read_tokens=1024, reasoning_tokens=64
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
    assert out.reasoning == "Think hard ✓"
    assert out.text == "Héllo, checking."
    assert out.tools == {
        0: {"id": "call_a", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        1: {"id": "call_b", "name": "now", "arguments": "{}"},
    }
    assert out.finishes == ["tool_calls"]
    assert out.reports == [RECORDED_USAGE]
    assert isinstance(events[-1], UsageReport)


def test_events_come_out_before_the_stream_ends_and_nothing_after_done() -> None:
    decoder = WIRE.stream_decoder()
    cut = RECORDED.index(b"checking.")  # in the middle of a chunk
    first = collect(decoder.feed(RECORDED[:cut]))
    assert (first.reasoning, first.text) == ("Think hard ✓", "Héllo, ")
    assert not decoder.finished
    decoder.feed(RECORDED[cut:])
    assert decoder.finished
    assert decoder.feed(sse(chunk({"content": "late"}))) == []


def test_reasoning_field_and_refusal_deltas() -> None:
    events, finished = decode(
        sse(
            chunk({"reasoning": "vLLM style"}),
            chunk({"content": None, "refusal": "No."}),
            chunk({}, "stop"),
            "[DONE]",
        )
    )
    out = collect(events)
    assert finished and (out.reasoning, out.text, out.finishes) == ("vLLM style", "No.", ["stop"])


def test_tool_calls_without_index_and_repeated_ids() -> None:
    def call(call_id: str | None, name: str | None, arguments: str) -> dict[str, Any]:
        piece: dict[str, Any] = {"function": {"arguments": arguments}}
        if call_id:
            piece["id"] = call_id
        if name:
            piece["function"]["name"] = name
        return chunk({"tool_calls": [piece]})

    events, _ = decode(
        sse(
            call("call_a", "f", '{"a":'),
            call(None, None, "1}"),
            call("call_b", "g", "{}"),
            call("call_b", "g", ""),  # a server repeating id and name
            validate=False,
        )
    )
    assert collect(events).tools == {
        0: {"id": "call_a", "name": "f", "arguments": '{"a":1}'},
        1: {"id": "call_b", "name": "g", "arguments": "{}"},
    }


def test_usage_repeated_on_several_chunks_is_reported_by_difference() -> None:
    def usage(prompt: int, completion: int) -> dict[str, Any]:
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    events, _ = decode(
        sse(
            chunk({"content": "a"}, usage=usage(10, 1)),
            chunk({"content": "b"}, usage=usage(10, 2)),
            chunk({}, "stop", usage=usage(10, 2)),
            "[DONE]",
        )
    )
    out = collect(events)
    assert out.reports == [Usage(10, 1), Usage(0, 1)]
    assert out.usage == Usage(10, 2)


@pytest.mark.parametrize(
    "data",
    [
        b'data: {"error": {"message": "Internal error", "type": "server_error", "code": null}}\n\n',
        b'event: error\ndata: {"message": "Internal error"}\n\n',
    ],
)
def test_an_error_inside_a_stream(data: bytes) -> None:
    decoder = WIRE.stream_decoder()
    assert collect(decoder.feed(sse(chunk({"content": "Hi"})))).text == "Hi"
    with pytest.raises(UpstreamError, match="Internal error") as raised:
        decoder.feed(data)
    assert not isinstance(raised.value, UpstreamProtocolError)


@pytest.mark.parametrize(
    "data",
    [
        b'data: {"id": "x", "choices": [\n\n',
        b"data: [1, 2]\n\n",
        b'data: {"choices": {"index": 0}}\n\n',
        b'data: {"choices": [{"index": 0, "delta": {"content": 5}}]}\n\n',
        b'data: {"choices": [{"index": 0, "delta": {"tool_calls": ["x"]}}]}\n\n',
        b'data: {"choices": [], "usage": {"prompt_tokens": "3"}}\n\n',
        b"data: \xff\n\n",
    ],
)
def test_malformed_stream_chunks(data: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        decode(data)


def test_comments_and_empty_events_are_ignored_other_choices_keep_their_index() -> None:
    other = {
        **chunk({"content": "second choice"}),
        "choices": [{"index": 1, "delta": {"content": "x"}}],
    }
    events, finished = decode(
        b": keep-alive\n\ndata:\n\n" + sse(other, validate=False) + b"data: [DONE]\n\n"
    )
    assert events == [TextDelta("x", None, 1)] and finished  # choice 1 (n > 1 streamed)
