"""Responses API answers: the ``response`` object, its usage and how it ended.

The Responses API has no finish reason; it is derived: ``completed`` gives ``tool_calls`` when
the output holds function calls and ``stop`` otherwise, ``incomplete`` gives ``length`` (or
``content_filter``), ``failed`` raises :class:`UpstreamError` with the provider's message.
Reasoning is the text of the reasoning items' summaries (and raw ``reasoning_text`` content,
which OpenAI-compatible servers such as vLLM send), paragraphs joined by a blank line; the
items themselves (ids, ``encrypted_content``) are kept for the Responses edge. The
``output_text`` parts' ``logprobs`` (asked through ``include``) become OpenAI Chat's
``{"content": [...]}`` shape (:func:`chat_logprobs`).
"""

from __future__ import annotations

from typing import Any

from modelyard.errors import UpstreamError
from modelyard.llm_types import ChatResponse, ToolCall, Usage
from modelyard.llm_types.chat import FinishReason
from modelyard.providers.openai_chat.common import (
    as_object,
    as_str,
    error_message_of,
    load_object,
    malformed,
    token_count,
)

WHO = "The Responses API"
REASONING_SEPARATOR = "\n\n"


def parse_responses(body: bytes) -> ChatResponse:
    data = load_object(body, WHO)
    if "output" not in data and data.get("error"):
        raise_failed(data)
    return response_of(data)


def response_of(data: dict[str, Any]) -> ChatResponse:
    """A ``response`` object (a body, or the one ``response.completed`` carries)."""
    if data.get("status") == "failed":
        raise_failed(data)
    output = data.get("output")
    if not isinstance(output, list):
        raise malformed("the response has no output list", WHO)
    text: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCall] = []
    reasoning_items: list[dict[str, Any]] = []
    logprobs: list[dict[str, Any]] | None = None
    for item in output:
        if not isinstance(item, dict):
            raise malformed("an output item is not an object", WHO)
        kind = item.get("type")
        if kind == "message":
            text.extend(_texts(item.get("content"), ("output_text", "refusal")))
            for part in item.get("content") or ():
                if isinstance(part, dict) and part.get("logprobs"):
                    logprobs = (logprobs or []) + chat_logprobs(part["logprobs"])
        elif kind == "reasoning":
            reasoning.extend(reasoning_texts(item))
            reasoning_items.append(item)
        elif kind == "function_call":
            calls.append(function_call(item))
    return ChatResponse(
        id=as_str(data.get("id")),
        model=as_str(data.get("model")),
        text="".join(text),
        usage=responses_usage(data.get("usage")),
        finish_reason=finish_reason(data, bool(calls)),
        tool_calls=calls,
        reasoning=REASONING_SEPARATOR.join(t for t in reasoning if t) or None,
        reasoning_items=reasoning_items or None,
        logprobs={"content": logprobs, "refusal": None} if logprobs is not None else None,
    )


def chat_logprobs(entries: Any) -> list[dict[str, Any]]:
    """Responses ``logprobs`` entries (of an ``output_text`` part or a text delta, where
    ``bytes`` may be missing) as Chat Completions ``logprobs.content`` entries."""
    if not isinstance(entries, list):
        raise malformed("logprobs is not a list", WHO)
    return [_chat_logprob(entry, True) for entry in entries]


def _chat_logprob(entry: Any, with_top: bool) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
        raise malformed("a logprobs entry has no token", WHO)
    token: str = entry["token"]
    value = entry.get("logprob")
    raw = entry.get("bytes")
    out: dict[str, Any] = {
        "token": token,
        "logprob": float(value) if isinstance(value, int | float) else 0.0,
        "bytes": raw if isinstance(raw, list) else list(token.encode()),
    }
    if with_top:
        top = entry.get("top_logprobs")
        out["top_logprobs"] = [_chat_logprob(t, False) for t in top or ()]
    return out


def function_call(item: dict[str, Any]) -> ToolCall:
    call_id, name, arguments = item.get("call_id"), item.get("name"), item.get("arguments")
    if not isinstance(call_id, str) or not isinstance(name, str):
        raise malformed("a function_call item has no call_id or name", WHO)
    return ToolCall(
        id=call_id, name=name, arguments=arguments if isinstance(arguments, str) else ""
    )


def reasoning_texts(item: dict[str, Any]) -> list[str]:
    """The summary texts of a reasoning item, else its raw ``reasoning_text`` content."""
    summary = _texts(item.get("summary"), ("summary_text",))
    return summary or _texts(item.get("content"), ("reasoning_text",))


def _texts(parts: Any, kinds: tuple[str, ...]) -> list[str]:
    if not isinstance(parts, list):
        return []
    texts = []
    for part in parts:
        if isinstance(part, dict) and part.get("type") in kinds:
            value = part.get("text") if part.get("type") != "refusal" else part.get("refusal")
            if isinstance(value, str):
                texts.append(value)
    return texts


def finish_reason(data: dict[str, Any], has_calls: bool) -> FinishReason:
    status = data.get("status")
    if status == "incomplete":
        reason = as_object(data.get("incomplete_details")).get("reason")
        return "content_filter" if reason == "content_filter" else "length"
    if status == "cancelled":
        return "error"
    return "tool_calls" if has_calls else "stop"


def raise_failed(data: dict[str, Any]) -> None:
    """A failed response (or an ``error`` event / error body) as :class:`UpstreamError`."""
    error = data.get("error")
    message = error_message_of(data)  # {"error": {...}} or an error event's own "message"
    code = error.get("code") if isinstance(error, dict) else data.get("code")
    raise UpstreamError(
        f"The provider failed: {message or 'unknown error'}",
        code=code if isinstance(code, str) else None,
    )


def responses_usage(data: Any) -> Usage:
    """Responses ``usage`` normalised (WIRE-FORMATS section 9); zeros when absent."""
    if data is None:
        return Usage()
    if not isinstance(data, dict):
        raise malformed("usage is not an object", WHO)
    details = as_object(data.get("input_tokens_details"))
    output_details = as_object(data.get("output_tokens_details"))
    prompt = token_count(data.get("input_tokens"), WHO, "input_tokens")
    read = min(token_count(details.get("cached_tokens"), WHO, "cached_tokens"), prompt)
    write = token_count(details.get("cache_write_tokens"), WHO, "cache_write_tokens")
    write = min(write, prompt - read)
    return Usage(
        input_tokens=prompt - read - write,
        output_tokens=token_count(data.get("output_tokens"), WHO, "output_tokens"),
        cache_read_tokens=read,
        cache_write_tokens=write,
        reasoning_tokens=token_count(
            output_details.get("reasoning_tokens"), WHO, "reasoning_tokens"
        ),
    )
