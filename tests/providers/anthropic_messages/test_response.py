"""Anthropic Messages answers: content blocks, stop reasons and usage, read like the SDK does."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.types import Message as SDKMessage

from modelyard.llm_types import ToolCall, Usage
from modelyard.providers.anthropic_messages import WIRE
from modelyard.providers.base import UpstreamProtocolError
from tests.providers.anthropic_messages import MALFORMED, sdk_usage

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


def test_parse_a_full_message_like_the_sdk() -> None:
    raw = orjson.dumps(FULL_MESSAGE)
    sdk = SDKMessage.model_validate_json(raw)
    parsed = WIRE.parse_chat(raw)
    assert parsed.id == sdk.id == "msg_01AbC"
    assert parsed.model == sdk.model
    assert parsed.text == "Let me check. Done."
    assert parsed.reasoning == "The user asks"
    # The signed thinking blocks before the tool_use ride on the call, unmodified.
    thinking = FULL_MESSAGE["content"][:2]
    assert parsed.tool_calls == [
        ToolCall(
            "toolu_01",
            "get_weather",
            '{"city":"Paris","days":[1,2]}',
            "anthropic-thinking:" + orjson.dumps(thinking).decode(),
        )
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
