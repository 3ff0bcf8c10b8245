"""Building a Messages API request (``POST /v1/messages``) from a :class:`ChatRequest`.

Anthropic differs from OpenAI's Chat Completions in ways this module absorbs:

- system messages become the top-level ``system`` string, wherever they were;
- roles must alternate, so consecutive user (or assistant) messages are merged, and tool results
  travel as ``tool_result`` blocks of a user message (placed first in it, as Anthropic requires);
- ``max_tokens`` is required: ``request.max_tokens``, else :data:`DEFAULT_MAX_TOKENS`;
- reasoning is a ``thinking`` budget, which must stay below ``max_tokens`` and forbids
  ``temperature``/``top_p`` and forced tool choices;
- with thinking on, an assistant message's tool calls bring back the signed thinking blocks
  they carry (``provider_data``): the first call's open the message, later calls' (interleaved
  thinking) go right before their ``tool_use`` block;
- ``cache_control`` markers on text parts and tools go on their blocks (the system prompt
  becomes text blocks then), so prompt caching works as the caller asked;
- ``response_format`` (json_schema, json_object) is structured output:
  ``output_config.format``;
- file parts (PDFs) are ``document`` blocks.
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.errors import BadRequest
from modelyard.llm_types import ChatRequest, ImagePart, Message, TextPart, ToolCall, ToolSpec
from modelyard.llm_types.chat import AudioPart, FilePart
from modelyard.providers.anthropic_messages.response import thinking_blocks
from modelyard.providers.base import Target, UpstreamRequest

DEFAULT_MAX_TOKENS = 4096
"""``max_tokens`` when the request has none (the gateway normally sets the model's maximum)."""

THINKING_BUDGETS = {"minimal": 1024, "low": 1024, "medium": 4096, "high": 16384, "xhigh": 32768}
"""``budget_tokens`` per ``reasoning_effort``; ``include_reasoning`` alone means ``medium``."""

Block = dict[str, Any]


def build_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a Messages API call."""
    budget = _thinking_budget(request)
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
        "messages": _messages(request.messages, thinking=budget is not None),
    }
    system = _system(request.messages)
    if system:
        body["system"] = system
    if request.stop:
        body["stop_sequences"] = list(request.stop)
    output_format = _output_format(request.response_format)
    if output_format is not None:
        body["output_config"] = {"format": output_format}
    if request.tools:
        body["tools"] = [_tool(tool) for tool in request.tools]
        choice = _tool_choice(request.tool_choice, request.parallel_tool_calls)
        if choice is not None:
            body["tool_choice"] = choice
    if request.user:
        body["metadata"] = {"user_id": request.user}
    if budget is not None:
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        if budget >= body["max_tokens"]:
            # Keep the room asked for the visible answer on top of the thinking budget.
            body["max_tokens"] += budget
    else:
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.top_p is not None:
            body["top_p"] = request.top_p
        if request.top_k is not None:
            body["top_k"] = request.top_k
    if request.stream:
        body["stream"] = True
    return body


def build_request(request: ChatRequest, target: Target) -> UpstreamRequest:
    headers = target.headers()
    if request.anthropic_betas and target.provider == "anthropic":
        headers["anthropic-beta"] = ",".join(request.anthropic_betas)  # see betas.py
    return UpstreamRequest(
        url=target.url("messages", stream=request.stream),
        headers=headers,
        json=build_body(request),
        stream=request.stream,
    )


def _thinking_budget(request: ChatRequest) -> int | None:
    """The thinking budget, or None when thinking is off or cannot be used for this call.

    Anthropic refuses thinking with a forced tool choice and with a prefilled (final) assistant
    message. While a tool loop continues (the last assistant message called tools) it wants
    that turn's signed thinking block back, first in the message: when the first tool call does
    not carry it (the client lost the id we gave out, or the turn came from another model),
    this request goes without thinking, as Anthropic's extended-thinking docs allow (thinking
    may be turned off for a request; only a thinking-on request needs the block), instead of
    failing with a 400.
    """
    effort = request.reasoning_effort
    if effort == "none" or (effort is None and not request.include_reasoning):
        return None
    if request.tools and request.tool_choice not in (None, "auto", "none"):
        return None
    assistant = next((m for m in reversed(request.messages) if m.role == "assistant"), None)
    if assistant is not None and (
        assistant is request.messages[-1]
        or (assistant.tool_calls and thinking_blocks(assistant.tool_calls[0].provider_data) is None)
    ):
        return None
    if request.reasoning_budget is not None:
        return request.reasoning_budget
    return THINKING_BUDGETS.get(effort or "medium", THINKING_BUDGETS["medium"])


def _system(messages: list[Message]) -> str | list[Block]:
    """The system prompt: a string, or text blocks when a part carries a cache marker."""
    parts = [p for m in messages if m.role == "system" for p in m.parts if isinstance(p, TextPart)]
    if not any(part.cache_control for part in parts):
        return "\n\n".join(m.text for m in messages if m.role == "system")
    return [_text(part) for part in parts if part.text]


def _text(part: TextPart) -> Block:
    block: Block = {"type": "text", "text": part.text}
    if part.cache_control:
        block["cache_control"] = part.cache_control
    return block


def _output_format(response_format: dict[str, Any] | None) -> Block | None:
    """Anthropic's structured output format of an OpenAI ``response_format``."""
    kind = (response_format or {}).get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema") if response_format else None
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise BadRequest(
                "'response_format.json_schema.schema' must be a JSON schema object.",
                param="response_format.json_schema.schema",
            )
        return {"type": "json_schema", "schema": schema}
    if kind == "json_object":
        return {"type": "json_schema", "schema": {"type": "object"}}
    return None


def _messages(messages: list[Message], *, thinking: bool = False) -> list[dict[str, Any]]:
    """Anthropic's alternating user/assistant turns, each a list of content blocks."""
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message, thinking=thinking)
        if not blocks:
            continue  # Anthropic refuses empty content; merging keeps the alternation
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:
        if turn["role"] == "user":
            # tool_result blocks must come before anything else in their user turn
            turn["content"].sort(key=lambda block: block["type"] != "tool_result")
    return turns


def _blocks(message: Message, *, thinking: bool = False) -> list[Block]:
    if message.role == "tool":
        if not message.tool_call_id:
            raise BadRequest("A tool message has no tool_call_id.", param="messages")
        result: Block = {"type": "tool_result", "tool_use_id": message.tool_call_id}
        if message.is_error:
            result["is_error"] = True
        content = _content(message)
        if content:
            only_text = all(block.keys() == {"type", "text"} for block in content)
            result["content"] = message.text if only_text else content
        return [result]
    blocks = _content(message)
    if message.role == "assistant":
        for number, call in enumerate(message.tool_calls):
            signed = thinking_blocks(call.provider_data) if thinking else None
            if signed and number == 0:
                blocks[:0] = signed  # the turn's thinking opens the message
            elif signed:
                blocks.extend(signed)
            blocks.append(_tool_use(call))
    return blocks


def _content(message: Message) -> list[Block]:
    blocks: list[Block] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            if part.text:  # Anthropic refuses empty text blocks
                blocks.append(_text(part))
        elif isinstance(part, FilePart):
            blocks.append(_document(part))
        elif isinstance(part, AudioPart):  # the router refuses it first (not in ``carries``)
            raise BadRequest("Anthropic models take no audio input.", param="input_audio")
        elif isinstance(part, ImagePart):
            blocks.append(_image(part))
    return blocks


def _document(part: FilePart) -> Block:
    """A PDF as a ``document`` block (its data URL's base64, as Anthropic takes it)."""
    media_type, data = part.data()
    block: Block = {
        "type": "document",
        "source": {"type": "base64", "media_type": media_type, "data": data},
    }
    if part.filename:
        block["title"] = part.filename
    if part.cache_control:
        block["cache_control"] = part.cache_control
    return block


def _image(part: ImagePart) -> Block:
    block: Block
    if not part.is_data_url:
        block = {"type": "image", "source": {"type": "url", "url": part.url}}
    else:
        if ";base64," not in part.url[: part.url.find(",") + 1]:
            raise BadRequest("Image data URLs must be base64-encoded.", param="messages")
        media_type, data = part.data()
        source = {"type": "base64", "media_type": media_type, "data": data}
        block = {"type": "image", "source": source}
    if part.cache_control:
        block["cache_control"] = part.cache_control
    return block


def _tool_use(call: ToolCall) -> Block:
    try:
        arguments = orjson.loads(call.arguments) if call.arguments.strip() else {}
    except orjson.JSONDecodeError:
        raise BadRequest(
            f"The arguments of tool call '{call.id}' are not valid JSON.", param="messages"
        ) from None
    if not isinstance(arguments, dict):
        raise BadRequest(
            f"The arguments of tool call '{call.id}' are not a JSON object.", param="messages"
        )
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": arguments}


def _tool(tool: ToolSpec) -> Block:
    schema = tool.parameters or {"type": "object", "properties": {}}
    spec: Block = {"name": tool.name, "input_schema": schema}
    if tool.description:
        spec["description"] = tool.description
    if tool.cache_control:
        spec["cache_control"] = tool.cache_control
    return spec


def _tool_choice(choice: str | None, parallel: bool | None) -> Block | None:
    if choice == "none":
        return {"type": "none"}
    if choice is None and parallel is not False:
        return None
    if choice is None or choice == "auto":
        block: Block = {"type": "auto"}
    elif choice == "required":
        block = {"type": "any"}
    else:
        block = {"type": "tool", "name": choice}
    if parallel is False:
        block["disable_parallel_tool_use"] = True
    return block
