"""Responses API response objects: output items, how a response ended, usage, errors."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from openai.types.responses import Response

from modelyard.errors import UpstreamError
from modelyard.llm_types import ToolCall, Usage
from modelyard.providers.base import UpstreamProtocolError
from modelyard.providers.openai_responses import WIRE
from tests.providers.openai_responses import (
    CALL_ITEM,
    FULL_RESPONSE,
    FULL_USAGE,
    MALFORMED,
    MESSAGE_ITEM,
    USAGE,
)


def parse(data: dict[str, Any], *, validate: bool = True) -> Any:
    raw = orjson.dumps(data)
    if validate:
        Response.model_validate_json(raw)
    return WIRE.parse_chat(raw)


def test_parse_a_full_response() -> None:
    parsed = parse(FULL_RESPONSE)
    assert (parsed.id, parsed.model, parsed.text) == ("resp_68ab", "o3-pro-2025-06-10", "Hello!")
    assert parsed.reasoning == "First thought.\n\nSecond thought."
    assert parsed.finish_reason == "stop" and parsed.tool_calls == []
    assert parsed.usage == FULL_USAGE


def test_parse_function_calls() -> None:
    parsed = parse({**FULL_RESPONSE, "output": [CALL_ITEM, {**CALL_ITEM, "call_id": "call_2"}]})
    assert parsed.finish_reason == "tool_calls" and parsed.text == ""
    assert parsed.tool_calls == [
        ToolCall("call_abc", "get_weather", '{"city":"Paris"}'),
        ToolCall("call_2", "get_weather", '{"city":"Paris"}'),
    ]


def test_parse_refusal_and_raw_reasoning_text() -> None:
    refusal = {**MESSAGE_ITEM, "content": [{"type": "refusal", "refusal": "I can't."}]}
    raw_reasoning = {
        "type": "reasoning",
        "id": "rs_2",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": "Raw thinking."}],
    }
    parsed = parse({**FULL_RESPONSE, "output": [raw_reasoning, refusal]})
    assert (parsed.text, parsed.reasoning) == ("I can't.", "Raw thinking.")


@pytest.mark.parametrize(
    ("status", "details", "finish"),
    [
        ("incomplete", {"reason": "max_output_tokens"}, "length"),
        ("incomplete", {"reason": "content_filter"}, "content_filter"),
        ("cancelled", None, "error"),
    ],
)
def test_how_a_response_ended(status: str, details: Any, finish: str) -> None:
    data = {**FULL_RESPONSE, "status": status, "incomplete_details": details}
    assert parse(data).finish_reason == finish


def test_a_failed_response_is_an_upstream_error() -> None:
    error = {"code": "server_error", "message": "The model crashed."}
    data = {**FULL_RESPONSE, "status": "failed", "error": error, "output": []}
    with pytest.raises(UpstreamError, match=r"The model crashed\.") as raised:
        parse(data)
    assert raised.value.code == "server_error"
    assert not isinstance(raised.value, UpstreamProtocolError)


def test_an_error_body_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="busy"):
        WIRE.parse_chat(b'{"error": {"message": "busy", "type": "server_error"}}')


def test_usage_with_cache_writes_and_without_usage() -> None:
    usage = {
        "input_tokens": 3000,
        "input_tokens_details": {"cached_tokens": 1000, "cache_write_tokens": 1500},
        "output_tokens": 10,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 3010,
    }
    assert parse({**FULL_RESPONSE, "usage": usage}).usage == Usage(
        input_tokens=500, output_tokens=10, cache_read_tokens=1000, cache_write_tokens=1500
    )
    assert parse({**FULL_RESPONSE, "usage": None}).usage == Usage()


def _with(**changes: Any) -> bytes:
    return orjson.dumps({**FULL_RESPONSE, **changes})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"id": "resp_1", "output": [',
        b"[]",
        b"\xff",
        _with(output=None),
        _with(output=["text"]),
        _with(output=[{**CALL_ITEM, "call_id": None}]),
        _with(output=[{k: v for k, v in CALL_ITEM.items() if k != "name"}]),
        _with(usage=[1]),
        _with(usage={**USAGE, "output_tokens": "620"}),
        _with(usage={**USAGE, "input_tokens_details": {"cached_tokens": -5}}),
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_chat(body)


def test_error_message() -> None:
    body = b'{"error": {"message": "Unsupported parameter: temperature", "type": "x"}}'
    assert WIRE.error_message(body) == "Unsupported parameter: temperature"
    assert WIRE.error_message(b"oops") is None
