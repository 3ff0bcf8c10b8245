"""Chat Completions request bodies: internal messages, tools and options to the wire's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelyard.llm_types import ChatRequest, ImagePart, Message, TextPart, ToolSpec
from modelyard.llm_types.chat import AudioPart, FilePart
from modelyard.providers.base import Target, UpstreamRequest

OPERATION = "chat/completions"


@dataclass(frozen=True, slots=True)
class _Dialect:
    """How one provider's Chat Completions body differs from OpenAI's."""

    max_tokens_field: str = "max_tokens"
    seed_field: str = "seed"
    stream_options: bool = True
    user: bool = True
    message_names: bool = True
    hints: bool = False  # store, metadata, service_tier, prompt_cache_key... (OpenAI's own)


_DEFAULT = _Dialect()
_DIALECTS: dict[str, _Dialect] = {
    "openai": _Dialect(max_tokens_field="max_completion_tokens", hints=True),
    "azure": _Dialect(max_tokens_field="max_completion_tokens", hints=True),
    "mistral": _Dialect(
        seed_field="random_seed", stream_options=False, user=False, message_names=False
    ),
}


def build_chat(request: ChatRequest, target: Target) -> UpstreamRequest:
    dialect = _DIALECTS.get(target.provider, _DEFAULT)
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [_message(m, dialect) for m in request.messages],
    }
    if request.max_tokens is not None:
        body[dialect.max_tokens_field] = request.max_tokens
    _put(body, "temperature", request.temperature)
    _put(body, "top_p", request.top_p)
    if request.stop:
        body["stop"] = request.stop
    if request.tools:  # OpenAI refuses tool_choice / parallel_tool_calls without tools
        body["tools"] = [_tool(tool) for tool in request.tools]
        if request.tool_choice is not None:
            body["tool_choice"] = _tool_choice(request.tool_choice)
        _put(body, "parallel_tool_calls", request.parallel_tool_calls)
    _put(body, "response_format", request.response_format)
    _put(body, "reasoning_effort", request.reasoning_effort)
    _put(body, dialect.seed_field, request.seed)
    if dialect.user:
        _put(body, "user", request.user)
    if request.logprobs:
        body["logprobs"] = True
        _put(body, "top_logprobs", request.top_logprobs)
    _put(body, "presence_penalty", request.presence_penalty)
    _put(body, "frequency_penalty", request.frequency_penalty)
    _put(body, "logit_bias", request.logit_bias)
    if request.n != 1:
        body["n"] = request.n
    if request.hints and dialect.hints:
        body.update(request.hints)
    if request.stream:
        body["stream"] = True
        if dialect.stream_options:  # without it there is no usage in the stream at all
            body["stream_options"] = {"include_usage": True}
    return UpstreamRequest(
        url=target.url(OPERATION, stream=request.stream),
        headers=target.headers(),
        json=body,
        stream=request.stream,
    )


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        body[key] = value


def _message(message: Message, dialect: _Dialect) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role}
    if message.role == "user" and message.has_images:
        out["content"] = [_part(part) for part in message.parts]
    elif message.role == "assistant" and message.tool_calls:
        out["content"] = message.text or None
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    else:
        out["content"] = message.text
    if message.role == "tool":
        out["tool_call_id"] = message.tool_call_id or ""
    elif message.name and dialect.message_names:
        out["name"] = message.name
    return out


def _part(part: TextPart | ImagePart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, FilePart):
        file: dict[str, Any] = {"file_data": part.url}
        _put(file, "filename", part.filename)
        return {"type": "file", "file": file}
    if isinstance(part, AudioPart):
        return {
            "type": "input_audio",
            "input_audio": {"data": part.data()[1], "format": part.format},
        }
    image: dict[str, Any] = {"url": part.url}
    _put(image, "detail", part.detail)
    return {"type": "image_url", "image_url": image}


def _tool(tool: ToolSpec) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool.name}
    _put(function, "description", tool.description)
    function["parameters"] = tool.parameters or {"type": "object", "properties": {}}
    return {"type": "function", "function": function}


def _tool_choice(choice: str) -> str | dict[str, Any]:
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}
