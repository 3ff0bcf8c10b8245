"""Responses API streams: typed events decoded at any byte boundary, and how they end."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

from modelyard.errors import UpstreamError
from modelyard.llm_types import StreamEvent
from modelyard.providers.base import UpstreamProtocolError
from modelyard.providers.openai_responses import WIRE
from tests.providers.openai_responses import (
    CALL_ITEM,
    FULL_RESPONSE,
    FULL_USAGE,
    MALFORMED,
    MESSAGE_ITEM,
    REASONING_ITEM,
)
from tests.providers.roundtrip import collect, feed

SDK_EVENT = TypeAdapter[Any](ResponseStreamEvent)


def sse(*events: dict[str, Any], validate: bool = True) -> bytes:
    out = b""
    for number, event in enumerate(events):
        event = {**event, "sequence_number": number}
        if validate:
            SDK_EVENT.validate_python(event)
        out += f"event: {event['type']}\n".encode() + b"data: " + orjson.dumps(event) + b"\n\n"
    return out


def started(kind: str = "response.created") -> dict[str, Any]:
    response = {**FULL_RESPONSE, "status": "in_progress", "output": [], "usage": None}
    return {"type": kind, "response": response}


def ended(output: list[dict[str, Any]], kind: str = "response.completed", **extra: Any) -> Any:
    return {"type": kind, "response": {**FULL_RESPONSE, "output": output, **extra}}


def summary_events(index: int, *texts: str) -> list[dict[str, Any]]:
    ids = {"item_id": "rs_1", "output_index": index}
    events: list[dict[str, Any]] = [
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {**REASONING_ITEM, "summary": []},
        }
    ]
    for number, text in enumerate(texts):
        part = {"type": "summary_text", "text": ""}
        events.append(
            {
                "type": "response.reasoning_summary_part.added",
                **ids,
                "summary_index": number,
                "part": part,
            }
        )
        for piece in (text[:5], text[5:]):
            events.append(
                {
                    "type": "response.reasoning_summary_text.delta",
                    **ids,
                    "summary_index": number,
                    "delta": piece,
                }
            )
    events.append(
        {"type": "response.output_item.done", "output_index": index, "item": REASONING_ITEM}
    )
    return events


def text_events(index: int, *pieces: str) -> list[dict[str, Any]]:
    ids = {"item_id": "msg_1", "output_index": index, "content_index": 0}
    added = {**MESSAGE_ITEM, "status": "in_progress", "content": []}
    return [
        {"type": "response.output_item.added", "output_index": index, "item": added},
        *(
            {"type": "response.output_text.delta", **ids, "delta": piece, "logprobs": []}
            for piece in pieces
        ),
        {"type": "response.output_text.done", **ids, "text": "".join(pieces), "logprobs": []},
    ]


def call_events(index: int, call_id: str, *pieces: str) -> list[dict[str, Any]]:
    item_id = f"fc_{index}"
    item = {**CALL_ITEM, "id": item_id, "call_id": call_id, "arguments": "".join(pieces)}
    ids = {"item_id": item_id, "output_index": index}
    return [
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {**item, "status": "in_progress", "arguments": ""},
        },
        *({"type": "response.function_call_arguments.delta", **ids, "delta": p} for p in pieces),
        {
            "type": "response.function_call_arguments.done",
            **ids,
            "name": item["name"],
            "arguments": item["arguments"],
        },
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


RECORDED = sse(
    started(),
    started("response.in_progress"),
    *summary_events(0, "First thought.", "Second thought."),
    *text_events(1, "Héllo, ", "checking ✓"),
    *call_events(2, "call_a", '{"city": "Pa', 'ris"}'),
    *call_events(3, "call_b", "{}"),
    ended([REASONING_ITEM, MESSAGE_ITEM, CALL_ITEM]),
)


def decode(data: bytes, step: int | None = None) -> tuple[list[StreamEvent], bool]:
    return feed(WIRE.stream_decoder(), data, step)


@pytest.mark.parametrize("step", [None, 1, 9, 100])
def test_recorded_stream_at_any_byte_boundary(step: int | None) -> None:
    events, finished = decode(RECORDED, step)
    assert finished
    out = collect(events)
    assert out.reasoning == "First thought.\n\nSecond thought."
    assert out.text == "Héllo, checking ✓"
    assert out.tools == {
        0: {"id": "call_a", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        1: {"id": "call_b", "name": "get_weather", "arguments": "{}"},
    }
    assert out.finishes == ["tool_calls"]
    assert out.reports == [FULL_USAGE]


def test_arguments_only_in_the_done_events_and_nothing_after_the_end() -> None:
    item = {**CALL_ITEM, "arguments": ""}
    done = {"type": "response.output_item.done", "output_index": 0, "item": CALL_ITEM}
    events, finished = decode(
        sse(
            {"type": "response.output_item.added", "output_index": 0, "item": item},
            done,
            ended([CALL_ITEM]),
            *text_events(1, "late"),
            validate=True,
        )
    )
    assert finished
    out = collect(events)
    assert out.tools == {
        0: {"id": "call_abc", "name": "get_weather", "arguments": '{"city":"Paris"}'}
    }
    assert out.text == ""


def test_an_incomplete_response_ends_the_stream() -> None:
    incomplete = ended(
        [MESSAGE_ITEM],
        "response.incomplete",
        status="incomplete",
        incomplete_details={"reason": "max_output_tokens"},
    )
    events, finished = decode(sse(*text_events(0, "Hel"), incomplete))
    out = collect(events)
    assert finished and out.finishes == ["length"] and out.text == "Hel"


@pytest.mark.parametrize(
    "event",
    [
        {
            "type": "response.failed",
            "response": {
                **FULL_RESPONSE,
                "status": "failed",
                "error": {"code": "server_error", "message": "The model crashed."},
            },
        },
        {"type": "error", "code": "server_error", "message": "The model crashed.", "param": None},
    ],
)
def test_errors_inside_a_stream(event: dict[str, Any]) -> None:
    decoder = WIRE.stream_decoder()
    assert collect(decoder.feed(sse(*text_events(0, "Hi")))).text == "Hi"
    with pytest.raises(UpstreamError, match=r"The model crashed\.") as raised:
        decoder.feed(sse(event))
    assert not isinstance(raised.value, UpstreamProtocolError)
    assert raised.value.code == "server_error"


@pytest.mark.parametrize(
    "data",
    [
        b'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", "del\n\n',
        b"data: [1]\n\n",
        b'data: {"type": "response.function_call_arguments.delta", "output_index": 5, '
        b'"delta": "x"}\n\n',
        b'data: {"type": "response.output_item.added", "output_index": 0, '
        b'"item": {"type": "function_call", "name": "f"}}\n\n',
        b'data: {"type": "response.completed", "response": {"status": "completed", '
        b'"usage": {"input_tokens": "3"}}}\n\n',
        b"data: \xff\n\n",
    ],
)
def test_malformed_stream_events(data: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        decode(data)


def test_unknown_events_are_ignored() -> None:
    events, finished = decode(
        b'event: response.web_search_call.searching\ndata: {"type": '
        b'"response.web_search_call.searching", "item_id": "ws_1", "output_index": 0}\n\n'
        b": keep-alive\n\n"
    )
    assert events == [] and not finished
