"""Chat Completions answers: text, tool calls, reasoning fields, usage of every dialect."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from openai.types.chat import ChatCompletion

from modelyard.errors import UpstreamError
from modelyard.llm_types import ToolCall, Usage
from modelyard.providers.base import UpstreamProtocolError
from modelyard.providers.openai_chat import WIRE
from tests.providers.openai_chat import FULL_USAGE, MALFORMED

FULL_ANSWER: dict[str, Any] = {
    "id": "chatcmpl-9xYz",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4.1-mini-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "A cat on a sofa.",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": FULL_USAGE,
    "service_tier": "default",
    "system_fingerprint": "fp_1a2b3c",
}


def answer_with(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    choice = {**FULL_ANSWER["choices"][0], "message": {"role": "assistant", **message}}
    return {**FULL_ANSWER, "choices": [choice], **extra}


def parse(data: dict[str, Any], *, validate: bool = True) -> Any:
    raw = orjson.dumps(data)
    if validate:
        ChatCompletion.model_validate_json(raw)
    return WIRE.parse_chat(raw)


def test_parse_a_full_answer() -> None:
    parsed = parse(FULL_ANSWER)
    assert (parsed.id, parsed.model, parsed.text) == (
        "chatcmpl-9xYz",
        "gpt-4.1-mini-2025-04-14",
        "A cat on a sofa.",
    )
    assert parsed.finish_reason == "stop"
    assert parsed.tool_calls == [] and parsed.reasoning is None
    assert parsed.usage == Usage(
        input_tokens=186, output_tokens=90, cache_read_tokens=1024, reasoning_tokens=64
    )
    assert parsed.usage.prompt_tokens == 1210


def test_parse_tool_calls() -> None:
    calls = [
        {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": '{"x":1}'}},
        {"id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{}"}},
    ]
    data = answer_with({"content": None, "tool_calls": calls})
    data["choices"][0]["finish_reason"] = "tool_calls"
    parsed = parse(data)
    assert parsed.text == "" and parsed.finish_reason == "tool_calls"
    assert parsed.tool_calls == [ToolCall("call_a", "f", '{"x":1}'), ToolCall("call_b", "g", "{}")]


def test_parse_tool_call_arguments_sent_as_an_object() -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}]
    parsed = parse(answer_with({"content": None, "tool_calls": calls}), validate=False)
    assert parsed.tool_calls == [ToolCall("c", "f", '{"x":1}')]


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
def test_parse_reasoning_fields(key: str) -> None:
    parsed = parse(answer_with({"content": "42", key: "Let me think."}))
    assert (parsed.text, parsed.reasoning) == ("42", "Let me think.")


def test_parse_reasoning_content_wins_over_reasoning() -> None:
    parsed = parse(answer_with({"content": "42", "reasoning_content": "a", "reasoning": "a"}))
    assert parsed.reasoning == "a"


def test_parse_mistral_content_parts_with_thinking() -> None:
    content = [
        {
            "type": "thinking",
            "thinking": [{"type": "text", "text": "Hmm, "}, {"type": "text", "text": "ok."}],
        },
        {"type": "text", "text": "Answer."},
    ]
    parsed = parse(answer_with({"content": content}), validate=False)
    assert (parsed.text, parsed.reasoning) == ("Answer.", "Hmm, ok.")


def test_parse_a_refusal() -> None:
    parsed = parse(answer_with({"content": None, "refusal": "I can't help with that."}))
    assert parsed.text == "I can't help with that."


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (None, Usage()),
        ({"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}, Usage(10, 3)),
        (  # DeepSeek
            {
                "prompt_tokens": 100,
                "completion_tokens": 5,
                "total_tokens": 105,
                "prompt_cache_hit_tokens": 64,
                "prompt_cache_miss_tokens": 36,
            },
            Usage(input_tokens=36, output_tokens=5, cache_read_tokens=64),
        ),
        (  # xAI: reasoning outside completion_tokens, inside total_tokens
            {
                "prompt_tokens": 10120,
                "completion_tokens": 1499,
                "total_tokens": 14428,
                "prompt_tokens_details": {"cached_tokens": 128},
                "completion_tokens_details": {"reasoning_tokens": 2809},
            },
            Usage(
                input_tokens=9992,
                output_tokens=4308,
                cache_read_tokens=128,
                reasoning_tokens=2809,
            ),
        ),
        (  # cache writes (newer spec) are apart from the uncached input
            {
                "prompt_tokens": 2000,
                "completion_tokens": 1,
                "total_tokens": 2001,
                "prompt_tokens_details": {"cached_tokens": 500, "cache_write_tokens": 1000},
            },
            Usage(
                input_tokens=500, output_tokens=1, cache_read_tokens=500, cache_write_tokens=1000
            ),
        ),
    ],
)
def test_usage_normalisation(usage: dict[str, Any] | None, expected: Usage) -> None:
    assert parse({**FULL_ANSWER, "usage": usage}, validate=False).usage == expected


@pytest.mark.parametrize(
    ("reason", "finish"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("tool_calls", "tool_calls"),
        ("function_call", "tool_calls"),
        ("content_filter", "content_filter"),
        ("model_length", "length"),
        ("error", "error"),
        ("insufficient_system_resource", "error"),
        ("something_new", "stop"),
        (None, "stop"),
    ],
)
def test_finish_reasons(reason: str | None, finish: str) -> None:
    data = {**FULL_ANSWER, "choices": [{**FULL_ANSWER["choices"][0], "finish_reason": reason}]}
    assert parse(data, validate=False).finish_reason == finish


def _with(**changes: Any) -> bytes:
    return orjson.dumps({**FULL_ANSWER, **changes})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"id": "chatcmpl-1", "choices": [',
        b"[]",
        b"\xff\xfe",
        _with(choices=[]),
        _with(choices=None),
        _with(choices=["x"]),
        _with(choices=[{"index": 0, "finish_reason": "stop"}]),
        orjson.dumps(answer_with({"content": 5})),
        orjson.dumps(answer_with({"content": None, "tool_calls": "call"})),
        orjson.dumps(answer_with({"content": None, "tool_calls": [{"id": "c"}]})),
        orjson.dumps(answer_with({"tool_calls": [{"id": "c", "function": {"arguments": "{}"}}]})),
        _with(usage="lots"),
        _with(usage={**FULL_USAGE, "prompt_tokens": "1210"}),
        _with(usage={**FULL_USAGE, "completion_tokens": -1}),
        _with(usage={**FULL_USAGE, "prompt_tokens_details": {"cached_tokens": 1.5}}),
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_chat(body)


def test_an_error_in_a_200_body_is_an_upstream_error() -> None:
    body = b'{"error": {"message": "Model overloaded", "type": "server_error", "code": "busy"}}'
    with pytest.raises(UpstreamError, match="Model overloaded") as raised:
        WIRE.parse_chat(body)
    assert not isinstance(raised.value, UpstreamProtocolError)
    assert raised.value.code == "busy"
