"""Gemini chat answers: text, thoughts, function calls, finish reasons, usage, blocked prompts."""

from __future__ import annotations

import orjson
import pytest

from modelyard.llm_types import ToolCall, Usage
from modelyard.providers.base import UpstreamProtocolError
from modelyard.providers.gemini import CHAT_WIRE
from tests.providers.gemini import ANSWER, ANSWER_USAGE


def test_parse_chat_text_reasoning_and_usage() -> None:
    response = CHAT_WIRE.parse_chat(orjson.dumps(ANSWER))
    assert response.text == "A cat on a sofa."
    assert response.reasoning == "Considering the image…"
    assert response.finish_reason == "stop"
    assert response.usage == ANSWER_USAGE
    assert response.usage.prompt_tokens == 1290
    assert (response.id, response.model) == ("mAitaLmkHPPlz7IPvtfUqQ4", "gemini-2.5-flash")


def test_parse_chat_function_calls() -> None:
    parts = [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris", "days": 2}}},
        {"functionCall": {"name": "get_time", "id": "fc-9"}, "thoughtSignature": "abc"},
        {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
    ]
    body = {"candidates": [{"content": {"parts": parts}, "finishReason": "STOP"}]}
    response = CHAT_WIRE.parse_chat(orjson.dumps(body))
    assert response.finish_reason == "tool_calls"
    assert response.text == ""
    assert response.reasoning is None
    assert response.usage == Usage()
    assert response.tool_calls == [
        ToolCall("call_0", "get_weather", '{"city":"Paris","days":2}'),
        ToolCall("fc-9", "get_time", "{}", "gemini-ts:abc"),  # its signature, to send back
        ToolCall("call_2", "get_weather", '{"city":"Rome"}'),
    ]


@pytest.mark.parametrize(
    ("gemini", "internal"),
    [
        ("STOP", "stop"),
        ("MAX_TOKENS", "length"),
        ("SAFETY", "content_filter"),
        ("RECITATION", "content_filter"),
        ("BLOCKLIST", "content_filter"),
        ("PROHIBITED_CONTENT", "content_filter"),
        ("SPII", "content_filter"),
        ("MALFORMED_FUNCTION_CALL", "error"),
        ("SOMETHING_NEW", "stop"),
    ],
)
def test_finish_reasons(gemini: str, internal: str) -> None:
    body = {"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": gemini}]}
    assert CHAT_WIRE.parse_chat(orjson.dumps(body)).finish_reason == internal


def test_blocked_prompt() -> None:
    body = {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
        "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9},
    }
    response = CHAT_WIRE.parse_chat(orjson.dumps(body))
    assert (response.text, response.finish_reason) == ("", "content_filter")
    assert response.usage == Usage(input_tokens=9)
    no_content = {"candidates": [{"finishReason": "SAFETY", "index": 0}]}
    assert CHAT_WIRE.parse_chat(orjson.dumps(no_content)).finish_reason == "content_filter"


@pytest.mark.parametrize(
    "body",
    [
        b'{"candidates": [',
        b"[]",
        b"{}",
        b'{"candidates": {}}',
        b'{"candidates": [{"content": {"parts": ["text"]}}]}',
        b'{"candidates": [{"content": {"parts": [{"text": 5}]}}]}',
        b'{"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}}]}',
        b'{"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": []}}]}}]}',
        b'{"candidates": [{"content": "x"}]}',
        b'{"candidates": [], "usageMetadata": {"promptTokenCount": "9"}}',
    ],
)
def test_malformed_answers(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=r"^Gemini sent a malformed response: "):
        CHAT_WIRE.parse_chat(body)
