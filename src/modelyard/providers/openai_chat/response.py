"""Chat Completions answers: the ``chat.completion`` body, its usage and finish reason."""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.llm_types import ChatResponse, ToolCall, Usage
from modelyard.llm_types.chat import FinishReason
from modelyard.providers.openai_chat.common import (
    as_object,
    as_str,
    load_object,
    malformed,
    raise_for_error,
    token_count,
)

WHO = "The OpenAI-compatible provider"

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
    "model_length": "length",  # Mistral
    "error": "error",  # Mistral
    "insufficient_system_resource": "error",  # DeepSeek
}


def parse_chat(body: bytes) -> ChatResponse:
    data = load_object(body, WHO)
    raise_for_error(data)
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise malformed("the answer has no choices", WHO)
    answer = _choice(choices[0], data)
    answer.usage = chat_usage(data.get("usage"))
    if len(choices) > 1:  # n > 1: the other choices, in their index order
        rest = sorted(
            (c for c in choices[1:] if isinstance(c, dict)),
            key=_index,
        )
        answer.alternatives = [_choice(choice, data) for choice in rest]
    return answer


def _index(choice: dict[str, Any]) -> int:
    index = choice.get("index")
    return index if isinstance(index, int) else 0


def _choice(choice: dict[str, Any], data: dict[str, Any]) -> ChatResponse:
    message = choice.get("message")
    if not isinstance(message, dict):
        raise malformed("the choice has no message", WHO)
    text, reasoning = content_pieces(message.get("content"))
    if not text and isinstance(message.get("refusal"), str):
        text = message["refusal"]
    reasoning = reasoning or reasoning_field(message)
    calls = message.get("tool_calls") or []
    if not isinstance(calls, list):
        raise malformed("tool_calls is not a list", WHO)
    logprobs = choice.get("logprobs")
    return ChatResponse(
        id=as_str(data.get("id")),
        model=as_str(data.get("model")),
        text=text,
        usage=Usage(),
        finish_reason=finish_reason(choice.get("finish_reason")),
        tool_calls=[_tool_call(call, index) for index, call in enumerate(calls)],
        reasoning=reasoning or None,
        logprobs=logprobs if isinstance(logprobs, dict) else None,
    )


def _tool_call(call: Any, index: int) -> ToolCall:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise malformed("a tool call has no function name", WHO)
    call_id = call.get("id") if isinstance(call, dict) else None
    return ToolCall(
        id=call_id if isinstance(call_id, str) and call_id else f"call_{index}",
        name=function["name"],
        arguments=arguments_text(function.get("arguments")),
    )


def arguments_text(value: Any) -> str:
    """Tool-call arguments: a JSON string, though some servers send the object itself."""
    if value is None:
        return ""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def content_pieces(content: Any) -> tuple[str, str]:
    """(text, reasoning) of a message's content: a string, or a list of parts (Mistral's
    ``text`` and ``thinking`` parts included)."""
    if content is None:
        return "", ""
    if isinstance(content, str):
        return content, ""
    if not isinstance(content, list):
        raise malformed("message content is neither text nor a list of parts", WHO)
    text: list[str] = []
    reasoning: list[str] = []
    for part in content:
        if isinstance(part, str):
            text.append(part)
        elif isinstance(part, dict) and part.get("type") == "thinking":
            inner = part.get("thinking")
            reasoning.append(inner if isinstance(inner, str) else content_pieces(inner)[0])
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            text.append(part["text"])
    return "".join(text), "".join(reasoning)


def reasoning_field(message: dict[str, Any]) -> str:
    """``reasoning_content`` (DeepSeek, vLLM) or else ``reasoning`` (newer vLLM, OpenRouter)."""
    for key in ("reasoning_content", "reasoning"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def finish_reason(value: Any) -> FinishReason:
    return _FINISH.get(value, "stop") if isinstance(value, str) else "stop"


def chat_usage(data: Any) -> Usage:
    """Chat Completions ``usage`` normalised (WIRE-FORMATS section 9); zeros when absent."""
    if data is None:
        return Usage()
    if not isinstance(data, dict):
        raise malformed("usage is not an object", WHO)
    details = as_object(data.get("prompt_tokens_details"))
    output_details = as_object(data.get("completion_tokens_details"))
    cached = details.get("cached_tokens")
    if cached is None:
        cached = data.get("prompt_cache_hit_tokens")  # DeepSeek
    prompt = token_count(data.get("prompt_tokens"), WHO, "prompt_tokens")
    output = token_count(data.get("completion_tokens"), WHO, "completion_tokens")
    read = min(token_count(cached, WHO, "cached_tokens"), prompt)
    write = token_count(details.get("cache_write_tokens"), WHO, "cache_write_tokens")
    write = min(write, prompt - read)
    reasoning = token_count(output_details.get("reasoning_tokens"), WHO, "reasoning_tokens")
    if reasoning and data.get("total_tokens") == prompt + output + reasoning:
        output += reasoning  # xAI counts reasoning outside completion_tokens
    return Usage(
        input_tokens=prompt - read - write,
        output_tokens=output,
        cache_read_tokens=read,
        cache_write_tokens=write,
        reasoning_tokens=reasoning,
    )
