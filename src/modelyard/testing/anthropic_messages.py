"""Anthropic's Messages API (``POST /v1/messages``), as the fake speaks it.

Checks what the real API checks first (``x-api-key``, ``anthropic-version``, ``max_tokens``),
answers with thinking, text (cut before a ``stop_sequences`` entry it contains) and tool_use
blocks (structured output, ``output_config.format``: JSON that fits the schema), and counts
prompt caching from ``cache_control`` markers, so an adapter's usage mapping meets every field
it must handle. Thinking blocks are signed, and a
tool loop continued with thinking on must bring the last one back unmodified
(:mod:`.signatures`), as the real API demands.
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.testing.asgi import (
    BadRequest,
    Event,
    FakeRequest,
    Header,
    Reply,
    json_reply,
    sse_reply,
)
from modelyard.testing.content import (
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
    tool_arguments,
    truncate,
    wants_tool,
)
from modelyard.testing.faults import retry_headers, status_text
from modelyard.testing.signatures import check_anthropic, thinking_signature

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_STATIC_HEADERS: list[Header] = [
    (b"anthropic-ratelimit-requests-limit", b"10000"),
    (b"anthropic-ratelimit-requests-remaining", b"9999"),
    (b"anthropic-ratelimit-tokens-limit", b"10000000"),
    (b"anthropic-ratelimit-tokens-remaining", b"9999000"),
]


def headers(request: FakeRequest) -> list[Header]:
    return [(b"request-id", b"req_" + request.digest.encode()), *_STATIC_HEADERS]


def error(
    request: FakeRequest, status: int, message: str | None = None, param: str | None = None
) -> Reply:
    """``{"type": "error", "error": {"type", "message"}, "request_id"}``."""
    body = {
        "type": "error",
        "error": {
            "type": _ERROR_TYPES.get(status, "api_error"),
            "message": message or status_text(status),
        },
        "request_id": "req_" + request.digest,
    }
    return json_reply(status, body, headers(request) + retry_headers(status))


# Beta flags the real API knows (by prefix: their dates vary). It refuses any other value of
# the ``anthropic-beta`` header with a 400, so a gateway must not pass on what it is sent.
KNOWN_BETA_PREFIXES = (
    "interleaved-thinking-",
    "fine-grained-tool-streaming-",
    "token-efficient-tools-",
    "prompt-caching-",
    "extended-cache-ttl-",
    "output-128k-",
    "context-1m-",
    "context-management-",
    "oauth-",
    "claude-code-",
    "computer-use-",
    "code-execution-",
    "files-api-",
    "mcp-client-",
    "message-batches-",
    "pdfs-",
    "search-results-",
    "web-fetch-",
    "skills-",
    "token-counting-",
)


def check(request: FakeRequest) -> Reply | None:
    """401 without ``x-api-key`` (or a bearer token, as newer SDKs send); 400 without a version
    and for an ``anthropic-beta`` value the API does not know."""
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if not request.headers.get("x-api-key") and not bearer:
        return error(request, 401, "x-api-key header is required")
    if not request.headers.get("anthropic-version"):
        return error(request, 400, "anthropic-version: header is required")
    flags = [f.strip() for f in request.headers.get("anthropic-beta", "").split(",") if f.strip()]
    unknown = [flag for flag in flags if not flag.startswith(KNOWN_BETA_PREFIXES)]
    if unknown:
        listed = ", ".join(f"`{flag}`" for flag in unknown)
        return error(request, 400, f"Unexpected value(s) {listed} for the `anthropic-beta` header.")
    return None


def _blocks(content: Any) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return content if isinstance(content, list) else []


def _read(blocks: list[Any]) -> tuple[list[str], int, bool, dict[str, Any] | None]:
    """Texts, images, whether a tool result is among them, and the last cache_control marker."""
    texts: list[str] = []
    images = 0
    tool_result = False
    marker = None
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind in ("image", "document"):  # a document counts as an image, as Gemini's does
            images += 1
        elif kind == "tool_use":
            texts.append(orjson.dumps(block.get("input", {})).decode())
        elif kind == "tool_result":
            tool_result = True
            texts.extend(_read(_blocks(block.get("content")))[0])
        elif kind == "thinking":
            texts.append(str(block.get("thinking", "")))
        elif isinstance(block.get("text"), str):
            texts.append(block["text"])
        if isinstance(block.get("cache_control"), dict):
            marker = block["cache_control"]
    return texts, images, tool_result, marker


def build_message(request: FakeRequest, model: str) -> dict[str, Any]:
    body: dict[str, Any] = request.json
    max_tokens = int_or_none(body.get("max_tokens"))
    if max_tokens is None:
        raise BadRequest("max_tokens: Field required", "max_tokens")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: Field required", "messages")
    segments: list[tuple[int, dict[str, Any] | None]] = []
    if body.get("system"):
        texts, images, _, marker = _read(_blocks(body["system"]))
        segments.append((message_tokens(texts, images), marker))
    last_text, last_is_user = "", False
    for message in messages:
        if not isinstance(message, dict):
            raise BadRequest("messages: Input should be a valid dictionary", "messages")
        texts, images, tool_result, marker = _read(_blocks(message.get("content")))
        segments.append((message_tokens(texts, images), marker))
        if message.get("role") == "user":
            last_text, last_is_user = " ".join(texts), not tool_result
    total = sum(tokens for tokens, _ in segments)
    cached, ttl = 0, "5m"
    for index, (_, marker) in enumerate(segments):
        if marker is not None:
            cached = sum(tokens for tokens, _ in segments[: index + 1])
            ttl = "1h" if marker.get("ttl") == "1h" else "5m"
    read = cached if is_cache_model(model) else 0
    written = cached - read
    content: list[dict[str, Any]] = []
    stop_sequence: str | None = None
    output = thinking_tokens = 0
    thinking = body.get("thinking")
    thinking_on = isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")
    check_anthropic(messages, thinking_on, model)
    if is_reasoning_model(model) or thinking_on:
        reasoning = reasoning_text(last_text)
        content.append(
            {
                "type": "thinking",
                "thinking": reasoning,
                "signature": thinking_signature(reasoning, model),
            }
        )
        thinking_tokens = count_words(reasoning)
        output += thinking_tokens
    tool = _chosen_tool(body, last_text if last_is_user else "")
    stop_reason = "end_turn"
    if tool is not None:
        arguments = tool_arguments(tool.get("input_schema"))
        block = {
            "type": "tool_use",
            "id": "toolu_" + request.digest,
            "name": tool.get("name", ""),
            "input": arguments,
        }
        content.append(block)
        output += text_tokens(len(orjson.dumps(arguments)))
        stop_reason = "tool_use"
    elif (schema := _output_schema(body)) is not None:
        answer = orjson.dumps(tool_arguments(schema)).decode()
        content.append({"type": "text", "text": answer})
        output += text_tokens(len(answer))
    else:
        answer, cut = truncate(echo_answer(last_text), max_tokens)
        answer, stop_sequence = _stopped(answer, body.get("stop_sequences"))
        content.append({"type": "text", "text": answer})
        output += count_words(answer)
        stop_reason = "stop_sequence" if stop_sequence else "max_tokens" if cut else "end_turn"
    usage: dict[str, Any] = {
        "input_tokens": total - cached,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": written if ttl == "5m" else 0,
            "ephemeral_1h_input_tokens": written if ttl == "1h" else 0,
        },
        "output_tokens": output,
        "service_tier": "standard",
    }
    if thinking_tokens:
        usage["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    return {
        "id": "msg_" + request.digest,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": usage,
    }


def _stopped(answer: str, sequences: Any) -> tuple[str, str | None]:
    """The answer cut before the first of ``stop_sequences`` it contains, and that sequence."""
    if not isinstance(sequences, list):
        return answer, None
    found = [(answer.find(s), s) for s in sequences if isinstance(s, str) and s and s in answer]
    if not found:
        return answer, None
    at, sequence = min(found)
    return answer[:at], sequence


def _output_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema of structured output (``output_config.format``, or the beta's
    ``output_format``): the answer is JSON that fits it, as the real API guarantees."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else body.get("output_format")
    if not isinstance(fmt, dict):
        return None
    schema = fmt.get("schema")
    if fmt.get("type") != "json_schema" or not isinstance(schema, dict):
        raise BadRequest(
            "output_config.format: a json_schema with a schema is required", "output_config"
        )
    return schema


def _chosen_tool(body: dict[str, Any], user_text: str) -> dict[str, Any] | None:
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and "input_schema" in t]
    given = body.get("tool_choice")
    choice: dict[str, Any] = given if isinstance(given, dict) else {}
    if not tools or choice.get("type") == "none":
        return None
    if choice.get("type") == "tool":
        tool = next((t for t in tools if t.get("name") == choice.get("name")), None)
        if tool is None:
            raise BadRequest(f"tool_choice: unknown tool {choice.get('name')!r}", "tool_choice")
        return tool
    return tools[0] if wants_tool(user_text, choice.get("type") == "any") else None


def handle(request: FakeRequest, model: str) -> Reply:
    """``POST /v1/messages``: a ``message`` body or its event stream."""
    message = build_message(request, model)
    if request.json.get("stream") is True:
        return sse_reply(stream_events(message), headers(request))
    return json_reply(200, message, headers(request))


def stream_events(message: dict[str, Any]) -> list[Event]:
    """message_start, each block's start/deltas/stop (then a ping), message_delta, message_stop."""
    events: list[Event] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append((kind, orjson.dumps({"type": kind, **fields})))

    usage = message["usage"]
    start_usage = {k: v for k, v in usage.items() if k != "output_tokens_details"}
    emit(
        "message_start",
        message={
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {**start_usage, "output_tokens": 1},
        },
    )
    for index, block in enumerate(message["content"]):
        if block["type"] == "thinking":
            emit(
                "content_block_start",
                index=index,
                content_block={"type": "thinking", "thinking": "", "signature": ""},
            )
            for piece in pieces(block["thinking"]):
                emit(
                    "content_block_delta",
                    index=index,
                    delta={"type": "thinking_delta", "thinking": piece},
                )
            emit(
                "content_block_delta",
                index=index,
                delta={"type": "signature_delta", "signature": block["signature"]},
            )
        elif block["type"] == "redacted_thinking":
            emit("content_block_start", index=index, content_block=block)
        elif block["type"] == "tool_use":
            emit("content_block_start", index=index, content_block={**block, "input": {}})
            for part in ["", *split_json(orjson.dumps(block["input"]).decode())]:
                emit(
                    "content_block_delta",
                    index=index,
                    delta={"type": "input_json_delta", "partial_json": part},
                )
        else:
            emit("content_block_start", index=index, content_block={"type": "text", "text": ""})
            for piece in pieces(block["text"]):
                emit(
                    "content_block_delta", index=index, delta={"type": "text_delta", "text": piece}
                )
        emit("content_block_stop", index=index)
        if index == 0:
            events.append(("ping", b'{"type": "ping"}'))
    final_usage = {
        key: usage[key]
        for key in (
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
            "output_tokens_details",
        )
        if key in usage
    }
    emit(
        "message_delta",
        delta={"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]},
        usage=final_usage,
    )
    emit("message_stop")
    return events
