"""The Responses API wire: Chat-style requests translated to ``POST responses``, its response
object and typed event stream read back; then round trips through the fake provider.

Hand-written responses and events are checked against the official ``openai`` SDK's types first.
"""

from __future__ import annotations

from typing import Any

from modelyard.llm_types import ChatRequest, Message, Usage
from modelyard.providers.base import Target
from tests.providers import roundtrip

MODEL = "o3-pro"
MALFORMED = r"^The Responses API sent a malformed response: "
USAGE = {
    "input_tokens": 1036,
    "input_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 0},
    "output_tokens": 620,
    "output_tokens_details": {"reasoning_tokens": 576},
    "total_tokens": 1656,
}
MESSAGE_ITEM = {
    "type": "message",
    "id": "msg_1",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "Hello!", "annotations": [], "logprobs": []}],
}
REASONING_ITEM = {
    "type": "reasoning",
    "id": "rs_1",
    "summary": [
        {"type": "summary_text", "text": "First thought."},
        {"type": "summary_text", "text": "Second thought."},
    ],
}
CALL_ITEM = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_abc",
    "name": "get_weather",
    "arguments": '{"city":"Paris"}',
    "status": "completed",
}
FULL_RESPONSE: dict[str, Any] = {
    "id": "resp_68ab",
    "object": "response",
    "created_at": 1741476542,
    "status": "completed",
    "error": None,
    "incomplete_details": None,
    "instructions": None,
    "max_output_tokens": 2048,
    "model": "o3-pro-2025-06-10",
    "output": [REASONING_ITEM, MESSAGE_ITEM],
    "parallel_tool_calls": True,
    "reasoning": {"effort": "medium", "summary": "auto"},
    "store": False,
    "temperature": 1.0,
    "text": {"format": {"type": "text"}},
    "tool_choice": "auto",
    "tools": [],
    "top_p": 1.0,
    "truncation": "disabled",
    "usage": USAGE,
    "metadata": {},
}
FULL_USAGE = Usage(input_tokens=12, output_tokens=620, cache_read_tokens=1024, reasoning_tokens=576)


def target(provider: str = "openai", base_url: str | None = None, model: str = MODEL) -> Target:
    return roundtrip.target(provider, model, base_url)


def chat(*messages: Message, **options: Any) -> ChatRequest:
    return ChatRequest(model=options.pop("model", MODEL), messages=list(messages), **options)
