"""Responses API request bodies, translated from a Chat-style :class:`ChatRequest`.

System messages become ``instructions``; user and assistant turns become input messages (images
as ``input_image``); an assistant's tool calls become ``function_call`` items and tool results
``function_call_output`` items. Function tools are flat and sent with ``strict: false``, since
the Responses API otherwise defaults to strict schemas that most Chat-style schemas fail.
``stop`` and ``seed`` have no Responses equivalent: a call with them is refused (400 naming
the parameter and the model) rather than answered as if they were not given. Reasoning items
the caller sent back (a Responses client's previous turn) go before that turn's output, as
they came, when they carry ``encrypted_content`` (with ``store: false`` the provider keeps
nothing, so an item without it could not be resolved). Pure hints (``metadata``,
``prompt_cache_key``, ``prompt_cache_retention``, ``service_tier``, ``safety_identifier``) are
sent as given, ``verbosity`` as ``text.verbosity``. ``logprobs`` is asked through ``include:
["message.output_text.logprobs"]`` (with ``top_logprobs``).
"""

from __future__ import annotations

from typing import Any

from modelyard.errors import BadRequest
from modelyard.llm_types import ChatRequest, ImagePart, Message, TextPart, ToolSpec
from modelyard.providers.base import Target, UpstreamRequest

OPERATION = "responses"
HINTS = (
    "metadata",
    "prompt_cache_key",
    "prompt_cache_retention",
    "service_tier",
    "safety_identifier",
)


def _refuse_uncarried(request: ChatRequest) -> None:
    for name, value in (("stop", request.stop), ("seed", request.seed)):
        if value is not None and value != []:
            raise BadRequest(
                f"'{name}' is not supported by model '{request.model}' (OpenAI's Responses API "
                "has no such parameter): leave it out.",
                param=name,
                code="unsupported_parameter",
            )


def build_responses(request: ChatRequest, target: Target) -> UpstreamRequest:
    _refuse_uncarried(request)
    body: dict[str, Any] = {"model": request.model}
    instructions = request.system_text
    if instructions:
        body["instructions"] = instructions
    body["input"] = [item for m in request.messages for item in _items(m)]
    _put(body, "max_output_tokens", request.max_tokens)
    _put(body, "temperature", request.temperature)
    _put(body, "top_p", request.top_p)
    if request.tools:
        body["tools"] = [_tool(tool) for tool in request.tools]
        if request.tool_choice is not None:
            body["tool_choice"] = _tool_choice(request.tool_choice)
        _put(body, "parallel_tool_calls", request.parallel_tool_calls)
    text: dict[str, Any] = {}
    _put(text, "format", _text_format(request.response_format))
    _put(text, "verbosity", (request.hints or {}).get("verbosity"))
    if text:
        body["text"] = text
    reasoning: dict[str, Any] = {}
    _put(reasoning, "effort", request.reasoning_effort)
    if request.include_reasoning:
        reasoning["summary"] = "auto"
    if reasoning:
        body["reasoning"] = reasoning
    _put(body, "user", request.user)
    if request.hints:
        for name in HINTS:
            _put(body, name, request.hints.get(name))
    body["store"] = False
    include: list[str] = []
    if request.include_encrypted_reasoning:
        include.append("reasoning.encrypted_content")
    if request.logprobs:
        include.append("message.output_text.logprobs")
        _put(body, "top_logprobs", request.top_logprobs)
    if include:
        body["include"] = include
    if request.stream:
        body["stream"] = True
    return UpstreamRequest(
        url=target.url(OPERATION, stream=request.stream),
        headers=target.headers(),
        json=body,
        stream=request.stream,
    )


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        body[key] = value


def _items(message: Message) -> list[dict[str, Any]]:
    if message.role == "system":
        return []  # lifted to ``instructions``
    if message.role == "tool":
        output = {"type": "function_call_output", "call_id": message.tool_call_id or ""}
        output["output"] = message.text
        return [output]
    if message.role == "user":
        return [{"role": "user", "content": [_part(part) for part in message.parts]}]
    items: list[dict[str, Any]] = [
        item for item in message.reasoning_items or () if item.get("encrypted_content")
    ]
    if message.text or not message.tool_calls:
        items.append({"role": "assistant", "content": message.text})
    items.extend(
        {"type": "function_call", "call_id": c.id, "name": c.name, "arguments": c.arguments}
        for c in message.tool_calls
    )
    return items


def _part(part: TextPart | ImagePart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text}
    return {"type": "input_image", "image_url": part.url, "detail": part.detail or "auto"}


def _tool(tool: ToolSpec) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "function", "name": tool.name}
    _put(spec, "description", tool.description)
    spec["parameters"] = tool.parameters or {"type": "object", "properties": {}}
    spec["strict"] = False
    return spec


def _tool_choice(choice: str) -> str | dict[str, Any]:
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "name": choice}


def _text_format(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """Chat's ``response_format`` as a Responses ``text.format`` (the JSON schema is flat there)."""
    if not response_format:
        return None
    if response_format.get("type") != "json_schema":
        return dict(response_format)  # {"type": "text"} and {"type": "json_object"} are the same
    schema = response_format.get("json_schema")
    schema = schema if isinstance(schema, dict) else {}
    return {"type": "json_schema", **schema}
