"""Parsing a Messages API answer: the ``message`` body, its usage and stop reason, error bodies.

Usage maps one to one (WIRE-FORMATS.md section 9): Anthropic's ``input_tokens`` already excludes
cached tokens; ``cache_read_input_tokens`` / ``cache_creation_input_tokens`` are the cache read
and write; ``output_tokens`` includes thinking, ``output_tokens_details.thinking_tokens`` is it.

The signed ``thinking`` / ``redacted_thinking`` blocks before a ``tool_use`` block ride on that
tool call's ``provider_data`` (:data:`THINKING_TAG`), so the request builder can send them back.
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.llm_types import ChatResponse, ToolCall, Usage
from modelyard.llm_types.chat import FinishReason
from modelyard.providers.base import UpstreamProtocolError

Block = dict[str, Any]

FINISH_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def malformed(reason: str) -> UpstreamProtocolError:
    return UpstreamProtocolError(f"Anthropic sent a malformed response: {reason}")


def load_object(data: bytes | str, what: str) -> dict[str, Any]:
    """A JSON object, or an :class:`UpstreamProtocolError` naming ``what`` was not one."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise malformed(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise malformed(f"{what} is not a JSON object")
    return value


def finish_reason(stop_reason: Any) -> FinishReason:
    """The internal finish reason of a ``stop_reason`` (unknown or null ones count as a stop)."""
    return FINISH_REASONS.get(stop_reason, "stop") if isinstance(stop_reason, str) else "stop"


def count(usage: dict[str, Any], key: str, *, required: bool = False) -> int:
    value = usage.get(key)
    if value is None and not required:
        return 0
    if not isinstance(value, int) or isinstance(value, bool):
        raise malformed(f"usage.{key} is not an integer")
    return value


def thinking_tokens(usage: dict[str, Any]) -> int:
    details = usage.get("output_tokens_details")
    return count(details, "thinking_tokens") if isinstance(details, dict) else 0


def parse_usage(usage: Any) -> Usage:
    """A complete ``usage`` object (a message's, or ``message_start``'s)."""
    if not isinstance(usage, dict):
        raise malformed("usage is missing")
    return Usage(
        input_tokens=count(usage, "input_tokens", required=True),
        output_tokens=count(usage, "output_tokens", required=True),
        cache_read_tokens=count(usage, "cache_read_input_tokens"),
        cache_write_tokens=count(usage, "cache_creation_input_tokens"),
        reasoning_tokens=thinking_tokens(usage),
    )


THINKING_TAG = "anthropic-thinking:"
"""Prefix of a tool call's ``provider_data``: the JSON list of the signed thinking blocks
that came right before it, which Anthropic wants back unmodified while the tool loop goes on."""


def tool_call(block: dict[str, Any], thinking: list[Block] | None = None) -> ToolCall:
    """The call of a ``tool_use`` block, carrying the ``thinking`` blocks that preceded it."""
    call_id, name, arguments = block.get("id"), block.get("name"), block.get("input", {})
    if not isinstance(call_id, str) or not isinstance(name, str):
        raise malformed("a tool_use block has no id or name")
    if not isinstance(arguments, dict):
        raise malformed("a tool_use block's input is not an object")
    return ToolCall(
        id=call_id,
        name=name,
        arguments=orjson.dumps(arguments).decode(),
        provider_data=thinking_data(thinking) if thinking else None,
    )


def thinking_block(block: dict[str, Any]) -> Block | None:
    """The parts of a ``thinking`` / ``redacted_thinking`` block that must go back, or None."""
    kind = block.get("type")
    if kind == "thinking":
        thinking, signature = block.get("thinking"), block.get("signature")
        if isinstance(thinking, str) and isinstance(signature, str):
            return {"type": kind, "thinking": thinking, "signature": signature}
    elif kind == "redacted_thinking" and isinstance(block.get("data"), str):
        return {"type": kind, "data": block["data"]}
    return None


def thinking_data(blocks: list[Block]) -> str:
    return THINKING_TAG + orjson.dumps(blocks).decode()


def thinking_blocks(provider_data: str | None) -> list[Block] | None:
    """The thinking blocks a tool call carries; None when it carries none (or other data)."""
    if not provider_data or not provider_data.startswith(THINKING_TAG):
        return None
    try:
        raw = orjson.loads(provider_data[len(THINKING_TAG) :])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(raw, list):
        return None
    blocks = [thinking_block(b) if isinstance(b, dict) else None for b in raw]
    if not blocks or any(block is None for block in blocks):
        return None
    return [block for block in blocks if block is not None]


def parse_message(body: bytes) -> ChatResponse:
    message = load_object(body, "the body")
    message_id, model, content = message.get("id"), message.get("model"), message.get("content")
    if not isinstance(message_id, str) or not isinstance(model, str):
        raise malformed("the message has no id or model")
    if not isinstance(content, list):
        raise malformed("the message has no content list")
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[ToolCall] = []
    signed: list[Block] = []  # thinking blocks not yet attached to a tool call
    for block in content:
        if not isinstance(block, dict):
            raise malformed("a content block is not an object")
        kind = block.get("type")
        if kind == "text":
            texts.append(_string(block, "text"))
        elif kind in ("thinking", "redacted_thinking"):
            if kind == "thinking":
                thoughts.append(_string(block, "thinking"))
            kept = thinking_block(block)
            if kept is not None:
                signed.append(kept)
        elif kind == "tool_use":
            calls.append(tool_call(block, signed))
            signed = []
        # server tool blocks and future block types carry nothing for us
    return ChatResponse(
        id=message_id,
        model=model,
        text="".join(texts),
        usage=parse_usage(message.get("usage")),
        finish_reason=finish_reason(message.get("stop_reason")),
        tool_calls=calls,
        reasoning="".join(thoughts) if thoughts else None,
        stop_sequence=matched_stop(message),
    )


def matched_stop(data: dict[str, Any]) -> str | None:
    """The ``stop_sequence`` that ended the answer (a message's, or a ``message_delta``'s)."""
    if data.get("stop_reason") != "stop_sequence":
        return None
    sequence = data.get("stop_sequence")
    return sequence if isinstance(sequence, str) else None


def error_message(body: bytes) -> str | None:
    """``error.message`` of ``{"type": "error", "error": {"type", "message"}}``."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) and message else None


def _string(block: dict[str, Any], key: str) -> str:
    value = block.get(key)
    if not isinstance(value, str):
        raise malformed(f"a {block.get('type')} block has no {key}")
    return value
