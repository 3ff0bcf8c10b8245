"""Internal answers -> OpenAI's ``response`` object (``resp_...``, output items, usage).

Output items come in the order a Responses model writes them: reasoning, then the message,
then function calls. A Responses-API upstream's reasoning items are handed out as they came
(their ids and, when ``include`` asked, ``encrypted_content``); another provider's reasoning
text becomes a reasoning item with a summary. Tool call ids carry provider data as on Chat
Completions (:mod:`modelyard.gateway.tool_call_ids`).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from modelyard.gateway import tool_call_ids
from modelyard.llm_types import ChatResponse, ToolCall, Usage
from modelyard.llm_types.chat import FinishReason


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def new_response_id() -> str:
    """``resp_`` + the time in milliseconds (12 hex digits) + 20 random hex digits: the store
    can tell a just-made id (worth a second look) from an old or foreign one."""
    return f"resp_{int(time.time() * 1000):012x}{uuid.uuid4().hex[:20]}"


def issued_at(response_id: str) -> float | None:
    """When :func:`new_response_id` made ``response_id`` (seconds), None for other ids."""
    stamp = response_id[5:17]
    if not response_id.startswith("resp_") or len(response_id) != 37:
        return None
    try:
        return int(stamp, 16) / 1000
    except ValueError:
        return None


def usage_dict(usage: Usage) -> dict[str, Any]:
    """The Responses ``usage`` block (cache writes ride along in ``input_tokens_details``)."""
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


def reasoning_item(
    text: str | None, upstream: dict[str, Any] | None, *, encrypted: bool
) -> dict[str, Any]:
    """A reasoning output item: the upstream's own (its id, summary, encrypted content when
    asked), or one made from reasoning text."""
    if upstream is not None:
        item = {
            "id": upstream.get("id") or new_id("rs"),
            "type": "reasoning",
            "summary": upstream.get("summary") or [],
        }
        if encrypted and upstream.get("encrypted_content"):
            item["encrypted_content"] = upstream["encrypted_content"]
        return item
    summary = [{"type": "summary_text", "text": text}] if text else []
    return {"id": new_id("rs"), "type": "reasoning", "summary": summary}


def message_item(text: str, item_id: str, status: str = "completed") -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [part],
    }


def function_call_item(
    call_id: str, name: str, arguments: str, item_id: str, status: str = "completed"
) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def output_items(answer: ChatResponse, *, encrypted: bool) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if answer.reasoning_items:
        items.extend(reasoning_item(None, i, encrypted=encrypted) for i in answer.reasoning_items)
    elif answer.reasoning:
        items.append(reasoning_item(answer.reasoning, None, encrypted=encrypted))
    if answer.text or not answer.tool_calls:
        status = "incomplete" if answer.finish_reason == "length" else "completed"
        items.append(message_item(answer.text, new_id("msg"), status))
    items.extend(_call(call) for call in answer.tool_calls)
    return items


def _call(call: ToolCall) -> dict[str, Any]:
    return function_call_item(
        tool_call_ids.outbound_call(call), call.name, call.arguments, new_id("fc")
    )


def response_object(
    response_id: str,
    body: dict[str, Any],
    model: str,
    output: list[dict[str, Any]],
    usage: Usage | None,
    finish: FinishReason | None,
    *,
    created_at: int | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """The ``response`` object, echoing the request's settings as OpenAI does."""
    if status is None:
        status = "incomplete" if finish in ("length", "content_filter") else "completed"
    incomplete = None
    if status == "incomplete":
        reason = "content_filter" if finish == "content_filter" else "max_output_tokens"
        incomplete = {"reason": reason}
    reasoning = body.get("reasoning") or {}
    text = body.get("text") or {}
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at if created_at is not None else int(time.time()),
        "status": status,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": model,
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "store": body.get("store") is not False,
        "temperature": body.get("temperature"),
        "text": {"format": text.get("format") or {"type": "text"}},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p"),
        "truncation": body.get("truncation") or "disabled",
        "usage": usage_dict(usage) if usage is not None else None,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


def public(output: list[dict[str, Any]], *, encrypted: bool) -> list[dict[str, Any]]:
    """The output as the caller sees it: encrypted reasoning only when ``include`` asked."""
    if encrypted:
        return output
    return [{k: v for k, v in item.items() if k != "encrypted_content"} for item in output]
