"""Internal answers -> Anthropic ``message`` objects (content blocks, stop reason, usage)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from modelyard.gateway import tool_call_ids
from modelyard.llm_types import ChatResponse, ToolCall, Usage
from modelyard.llm_types.chat import FinishReason

STOP_REASONS: dict[FinishReason, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
    "error": "end_turn",
}


def message_id() -> str:
    """The hub's own id for every answer, whichever provider wrote it."""
    return "msg_" + uuid.uuid4().hex


def stop_reason(
    reason: FinishReason, has_tool_calls: bool = False, stop_sequence: str | None = None
) -> str:
    if stop_sequence is not None:
        return "stop_sequence"  # only upstreams that say which sequence matched tell us
    if has_tool_calls and reason == "stop":
        return "tool_use"  # some providers say "stop" for a turn that called tools
    return STOP_REASONS.get(reason, "end_turn")


def usage_dict(usage: Usage) -> dict[str, Any]:
    """Anthropic's usage: ``input_tokens`` excludes cache reads and writes, as ours does."""
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
    }


def tool_input(arguments: str) -> dict[str, Any]:
    """A tool call's arguments as the object Anthropic's ``input`` is (``{}`` for none, the raw
    text under ``_raw`` if a model wrote something that is not a JSON object)."""
    if not arguments.strip():
        return {}
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return {"_raw": arguments}
    return value if isinstance(value, dict) else {"_raw": arguments}


def tool_use(call: ToolCall) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": tool_call_ids.outbound_call(call),
        "name": call.name,
        "input": tool_input(call.arguments),
    }


def message(answer: ChatResponse, model: str, *, show_thinking: bool) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if show_thinking and answer.reasoning:
        content.append({"type": "thinking", "thinking": answer.reasoning, "signature": ""})
    if answer.text or not answer.tool_calls:
        content.append({"type": "text", "text": answer.text})
    content.extend(tool_use(call) for call in answer.tool_calls)
    return {
        "id": message_id(),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(
            answer.finish_reason, bool(answer.tool_calls), answer.stop_sequence
        ),
        "stop_sequence": answer.stop_sequence,
        "usage": usage_dict(answer.usage),
    }
