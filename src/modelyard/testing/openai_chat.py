"""OpenAI Chat Completions, as the fake speaks it (also behind Azure's deployment routes).

One ``plan`` of the answer (text, reasoning, tool call, usage) is built from the request and
then rendered either as one ``chat.completion`` body or as the real chunk stream, so the two
always agree. A ``response_format`` json_schema is answered with JSON that fits it (json_object
with ``{"answer": ...}``); ``logprobs`` (with ``top_logprobs`` alternatives) come back on the
choice (streamed: each content chunk with its word's entry); ``n`` gives that many choices, the
completion tokens counted for each (streamed: their chunks interleaved, each with its index).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

import orjson

from modelyard.testing.asgi import BadRequest, Event, FakeRequest, Reply, json_reply, sse_reply
from modelyard.testing.content import (
    CREATED,
    count_words,
    echo_answer,
    int_or_none,
    is_cache_model,
    is_reasoning_model,
    message_tokens,
    pieces,
    reasoning_text,
    split_json,
    text_tokens,
    tool_arguments_json,
    truncate,
    wants_tool,
)
from modelyard.testing.openai_common import (
    content_parts,
    headers,
    logprobs_of,
    named_tool,
    schema_answer,
)

FINGERPRINT = "fp_fake"
OPENAI_SSE = b"text/event-stream; charset=utf-8"

_SAFE = {"filtered": False, "severity": "safe"}
AZURE_FILTERS = {"hate": _SAFE, "self_harm": _SAFE, "sexual": _SAFE, "violence": _SAFE}
AZURE_PROMPT_FILTERS = [{"prompt_index": 0, "content_filter_results": AZURE_FILTERS}]


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The answer to one chat request, before it is rendered."""

    text: str | None
    reasoning: str | None
    tool_call: ToolCall | None
    finish_reason: str
    usage: dict[str, Any]
    choices: int = 1
    logprobs: dict[str, Any] | None = None


def plan(request: FakeRequest, model: str) -> Plan:
    body = request.json
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("Missing required parameter: 'messages'.", "messages")
    prompt = 0
    last_role, last_text = "", ""
    for message in messages:
        if not isinstance(message, dict):
            raise BadRequest("Invalid type for 'messages': expected objects.", "messages")
        texts, images = content_parts(message.get("content"))
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                texts.append(function["arguments"])
        prompt += message_tokens(texts, images)
        if message.get("role") in ("user", "tool"):
            last_role, last_text = message["role"], " ".join(texts)
    tool_call = _tool_call(request, body, last_role, last_text)
    reasoning = reasoning_text(last_text) if is_reasoning_model(model) else None
    text: str | None = None
    cut = False
    if tool_call is None:
        limit = int_or_none(body.get("max_completion_tokens"))
        if limit is None:
            limit = int_or_none(body.get("max_tokens"))
        answer = echo_answer(last_text)
        text = schema_answer(body.get("response_format"), answer)
        if text is None:
            text, cut = truncate(answer, limit)
    reasoning_tokens = count_words(reasoning) if reasoning else 0
    completion = reasoning_tokens + (count_words(text) if text is not None else 0)
    if tool_call is not None:
        completion += text_tokens(len(tool_call.arguments))
    choices = int_or_none(body.get("n")) or 1
    completion *= choices
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {
            "cached_tokens": prompt // 2 if is_cache_model(model) else 0,
            "audio_tokens": 0,
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    finish = "tool_calls" if tool_call else "length" if cut else "stop"
    logprobs = None
    if body.get("logprobs") is True:
        logprobs = logprobs_of(text or "", int_or_none(body.get("top_logprobs")) or 0)
    return Plan(text, reasoning, tool_call, finish, usage, choices, logprobs)


def _tool_call(request: FakeRequest, body: Any, last_role: str, last_text: str) -> ToolCall | None:
    tools = [
        t["function"]
        for t in body.get("tools") or []
        if isinstance(t, dict) and isinstance(t.get("function"), dict)
    ]
    choice = body.get("tool_choice")
    if not tools or choice == "none":
        return None
    forced = named_tool(choice)
    tool = next((t for t in tools if t.get("name") == forced), None) if forced else tools[0]
    if tool is None:
        raise BadRequest(f"tool_choice names an unknown function: {forced!r}.", "tool_choice")
    if not wants_tool(
        last_text if last_role == "user" else "", forced is not None or choice == "required"
    ):
        return None
    name = str(tool.get("name", ""))
    return ToolCall("call_" + request.digest, name, tool_arguments_json(tool.get("parameters")))


def handle(request: FakeRequest, model: str, azure: bool = False) -> Reply:
    """``POST /v1/chat/completions``: a ``chat.completion`` body or its chunk stream."""
    answer = plan(request, model)
    chat_id = "chatcmpl-" + request.digest
    if request.json.get("stream") is True:
        options = request.json.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        # Mistral's API takes no stream_options and always puts usage on the final chunk.
        usage_on_finish = options is None and model.startswith("mistral")
        events = stream_events(answer, chat_id, model, include_usage, azure, usage_on_finish)
        return sse_reply(events, headers(request), OPENAI_SSE)
    message: dict[str, Any] = {
        "role": "assistant",
        "content": answer.text,
        "refusal": None,
        "annotations": [],
    }
    if answer.reasoning is not None:
        message["reasoning_content"] = answer.reasoning
    if answer.tool_call is not None:
        call = answer.tool_call
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
        ]
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "logprobs": answer.logprobs,
        "finish_reason": answer.finish_reason,
    }
    data: dict[str, Any] = {
        "id": chat_id,
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [{**choice, "index": index} for index in range(answer.choices)],
        "usage": answer.usage,
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }
    if azure:
        for item in data["choices"]:
            item["content_filter_results"] = AZURE_FILTERS
        data["prompt_filter_results"] = AZURE_PROMPT_FILTERS
    return json_reply(200, data, headers(request))


def stream_events(
    answer: Plan,
    chat_id: str,
    model: str,
    include_usage: bool,
    azure: bool,
    usage_on_finish: bool = False,
) -> list[Event]:
    """The chunk stream: role, reasoning and content pieces (one per word), finish, usage, DONE."""
    base = {
        "id": chat_id,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }

    def chunk(
        delta: dict[str, Any],
        finish: str | None = None,
        index: int = 0,
        logprobs: dict[str, Any] | None = None,
    ) -> Event:
        choice = {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
        data: dict[str, Any] = {**base, "choices": [choice]}
        if include_usage:
            data["usage"] = None
        return None, orjson.dumps(data)

    events: list[Event] = []
    if azure:
        filters = {
            "choices": [],
            "created": 0,
            "id": "",
            "model": "",
            "object": "",
            "prompt_filter_results": AZURE_PROMPT_FILTERS,
        }
        events.append((None, orjson.dumps(filters)))
    # n > 1: the choices' chunks interleaved, as OpenAI sends them (each names its index).
    streams = [_choice_chunks(answer, index, chunk) for index in range(answer.choices)]
    for step in zip_longest(*streams):
        events.extend(event for event in step if event is not None)
    if usage_on_finish:
        last = orjson.loads(events.pop()[1])
        events.append((None, orjson.dumps({**last, "usage": answer.usage})))
    if include_usage:
        events.append((None, orjson.dumps({**base, "choices": [], "usage": answer.usage})))
    events.append((None, b"[DONE]"))
    return events


def _choice_chunks(answer: Plan, index: int, chunk: Callable[..., Event]) -> list[Event]:
    """One choice's chunks: role, reasoning and content pieces (one per word, each with its
    ``logprobs`` entry when asked), tool call, finish."""
    events = [chunk({"role": "assistant", "content": "", "refusal": None}, index=index)]
    if answer.reasoning is not None:
        events.extend(
            chunk({"reasoning_content": piece}, index=index) for piece in pieces(answer.reasoning)
        )
    if answer.text is not None:
        entries = answer.logprobs["content"] if answer.logprobs is not None else None
        for number, piece in enumerate(pieces(answer.text)):
            logprobs = None
            if entries is not None:
                logprobs = {"content": entries[number : number + 1], "refusal": None}
            events.append(chunk({"content": piece}, index=index, logprobs=logprobs))
    if answer.tool_call is not None:
        call = answer.tool_call
        start = {
            "index": 0,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        events.append(chunk({"tool_calls": [start]}, index=index))
        events.extend(
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}, index=index)
            for part in split_json(call.arguments)
        )
    events.append(chunk({}, answer.finish_reason, index=index))
    return events
