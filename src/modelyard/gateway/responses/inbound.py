"""Responses API request bodies -> one internal :class:`ChatRequest`, with a 400 naming the field.

``input`` (a string or items) becomes messages: ``message`` items by role (``developer`` is a
system message), consecutive ``reasoning``, assistant ``message`` and ``function_call`` items one
assistant turn (reasoning items kept as they came, for a Responses-API upstream), and each
``function_call_output`` a tool message. ``instructions`` is a system message first. Pure hints
(``metadata``, ``prompt_cache_key``, ``service_tier``, ``safety_identifier``, ``text.verbosity``)
travel in ``hints``; the wire that knows them sends them. ``truncation`` is checked, then left
out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelyard.errors import BadRequest
from modelyard.gateway import bounds, tool_call_ids
from modelyard.gateway.inbound import refuse_upstream_overrides
from modelyard.llm_types import ChatRequest, ImagePart, Message, Part, TextPart, ToolSpec

ENCRYPTED_REASONING = "reasoning.encrypted_content"
# Named as Chat Completions names them (an OpenAI chat upstream gets them all); ``truncation``
# has no Chat Completions form, so it is left out everywhere.
HINTS = ("prompt_cache_key", "prompt_cache_retention", "service_tier", "safety_identifier")
# Accepted by OpenAI, not served here: each would change the answer, so it is a 400, not dropped.
UNSUPPORTED = {
    "background": "background responses are not supported: leave it out or false.",
    "conversation": "conversations are not supported: send previous_response_id or the items.",
    "prompt": "prompt templates are not supported: send instructions and input.",
    "max_tool_calls": "is not supported: leave it out.",
    "top_logprobs": "is not supported on /v1/responses: leave it out.",
}
_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system"}

RULES: dict[str, bounds.Rule] = {
    "model": bounds.string,
    "instructions": bounds.string,
    "stream": bounds.boolean,
    "store": bounds.boolean,
    "parallel_tool_calls": bounds.boolean,
    "previous_response_id": bounds.short_string(64),
    "max_output_tokens": bounds.integer(1),
    "temperature": bounds.number(0, 2),
    "top_p": bounds.number(0, 1),
    "user": bounds.string,
    "safety_identifier": bounds.string,
    "prompt_cache_key": bounds.string,
    "service_tier": bounds.one_of("auto", "default", "flex", "scale", "priority"),
    "truncation": bounds.one_of("auto", "disabled"),
    "include": bounds.list_of(bounds.string),
    "metadata": bounds.map_of(bounds.short_string(512), 16, 64),
    "reasoning": bounds.object_of(
        {
            "effort": bounds.one_of("none", "minimal", "low", "medium", "high", "xhigh"),
            "summary": bounds.one_of("auto", "concise", "detailed"),
        }
    ),
}


@dataclass
class ResponsesRequest:
    """A translated call: the internal request and what the edge itself needs."""

    chat: ChatRequest
    items: list[dict[str, Any]]  # this call's input items (a string input as one message)
    store: bool
    previous_response_id: str | None
    body: dict[str, Any]


def _fail(param: str, message: str) -> BadRequest:
    return BadRequest(f"'{param}': {message}", param=param)


def input_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    """``input`` as items; a string is one user message."""
    given = body.get("input")
    if isinstance(given, str):
        return [{"type": "message", "role": "user", "content": given}]
    if not isinstance(given, list) or not given:
        raise _fail("input", "must be a string or a non-empty list of items.")
    for index, item in enumerate(given):
        if not isinstance(item, dict):
            raise _fail(f"input[{index}]", "must be an object.")
    return given


def _parts(content: Any, param: str) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)]
    if not isinstance(content, list):
        raise _fail(param, "must be a string or a list of content parts.")
    parts: list[Part] = []
    for index, part in enumerate(content):
        where = f"{param}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text", "summary_text"):
            if not isinstance(part.get("text"), str):
                raise _fail(f"{where}.text", "must be a string.")
            parts.append(TextPart(part["text"]))
        elif kind == "refusal" and isinstance(part.get("refusal"), str):
            parts.append(TextPart(part["refusal"]))
        elif kind == "input_image":
            url = part.get("image_url")
            if not isinstance(url, str) or not url.startswith(
                ("data:image/", "https://", "http://")
            ):
                raise _fail(f"{where}.image_url", "must be an https URL or a data:image/... URL.")
            bounds.check_image_url(url, f"{where}.image_url")
            detail = part.get("detail")
            if detail is not None and detail not in ("auto", "low", "high"):
                raise _fail(f"{where}.detail", "must be one of auto, low, high.")
            parts.append(ImagePart(url, detail))
        else:
            raise _fail(f"{where}.type", f"content part type '{kind}' is not supported here.")
    return parts


def _assistant(messages: list[Message]) -> Message:
    """The assistant turn being built: the last message when it is one, else a new one."""
    if messages and messages[-1].role == "assistant":
        return messages[-1]
    turn = Message(role="assistant")
    messages.append(turn)
    return turn


def _string(item: dict[str, Any], key: str, param: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise _fail(f"{param}.{key}", "must be a non-empty string.")
    return value


def messages_of(items: list[dict[str, Any]], instructions: str | None) -> list[Message]:
    """The conversation ``items`` hold (``instructions`` first, as a system message)."""
    messages: list[Message] = []
    if instructions:
        messages.append(Message(role="system", parts=[TextPart(instructions)]))
    for index, item in enumerate(items):
        param = f"input[{index}]"
        kind = item.get("type", "message")
        if kind == "message":
            given = item.get("role")
            role = _ROLES.get(given) if isinstance(given, str) else None
            if role is None:
                raise _fail(f"{param}.role", "must be one of user, assistant, system, developer.")
            parts = _parts(item.get("content"), f"{param}.content")
            if role == "assistant":
                _assistant(messages).parts.extend(parts)
            else:
                messages.append(Message(role=role, parts=parts))  # type: ignore[arg-type]
        elif kind == "function_call":
            arguments = item.get("arguments", "{}")
            if not isinstance(arguments, str):
                raise _fail(f"{param}.arguments", "must be a JSON string.")
            call_id = _string(item, "call_id", param)
            call = tool_call_ids.inbound_call(call_id, _string(item, "name", param), arguments)
            _assistant(messages).tool_calls.append(call)
        elif kind == "function_call_output":
            call_id = tool_call_ids.decode(_string(item, "call_id", param)).call_id
            output = item.get("output")
            parts = _parts(output if output is not None else "", f"{param}.output")
            messages.append(Message(role="tool", parts=parts, tool_call_id=call_id))
        elif kind == "reasoning":
            turn = _assistant(messages)
            turn.reasoning_items = [*(turn.reasoning_items or ()), item]
        else:
            raise _fail(f"{param}.type", f"input item type '{kind}' is not supported.")
    return messages


def _tools(raw: Any) -> list[ToolSpec] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise _fail("tools", "must be a list.")
    tools = []
    for index, tool in enumerate(raw):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise _fail(f"tools[{index}].type", f"only function tools are supported, not {kind!r}.")
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            raise _fail(f"tools[{index}].name", "is required.")
        parameters = tool.get("parameters") or {"type": "object", "properties": {}}
        if not isinstance(parameters, dict):
            raise _fail(f"tools[{index}].parameters", "must be a JSON schema object.")
        description = tool.get("description")
        tools.append(
            ToolSpec(
                tool["name"], description if isinstance(description, str) else None, parameters
            )
        )
    return tools or None


def _tool_choice(raw: Any) -> str | None:
    if raw is None or raw in ("auto", "none", "required"):
        return raw  # type: ignore[no-any-return]
    if isinstance(raw, dict) and raw.get("type") == "function" and isinstance(raw.get("name"), str):
        return str(raw["name"])
    raise _fail("tool_choice", "must be auto, none, required or {type: function, name}.")


def _response_format(text: Any) -> tuple[dict[str, Any] | None, str | None]:
    """``text.format`` as Chat's ``response_format``, and ``text.verbosity``."""
    if text is None:
        return None, None
    if not isinstance(text, dict):
        raise _fail("text", "must be an object.")
    verbosity = text.get("verbosity")
    if verbosity is not None and verbosity not in ("low", "medium", "high"):
        raise _fail("text.verbosity", "must be one of low, medium, high.")
    given = text.get("format")
    if given is None:
        return None, verbosity
    kind = given.get("type") if isinstance(given, dict) else None
    if kind in ("text", "json_object"):
        return {"type": kind}, verbosity
    if kind != "json_schema":
        raise _fail("text.format.type", "must be text, json_object or json_schema.")
    schema = given.get("schema")
    if not isinstance(schema, dict):
        raise _fail("text.format.schema", "must be a JSON schema object.")
    name = given.get("name")
    if not isinstance(name, str) or not name:
        raise _fail("text.format.name", "must be a non-empty string.")
    spec: dict[str, Any] = {"name": name, "schema": schema}
    for key in ("description", "strict"):
        if given.get(key) is not None:
            spec[key] = given[key]
    return {"type": "json_schema", "json_schema": spec}, verbosity


def responses_request(body: dict[str, Any], earlier: list[dict[str, Any]]) -> ResponsesRequest:
    """The internal request of a Responses body; ``earlier`` are the items of the response it
    continues (``previous_response_id``), put before this call's own."""
    metadata = body.get("metadata")
    refuse_upstream_overrides({k: v for k, v in body.items() if k != "metadata"})
    bounds.check_fields(body, RULES)
    for name, why in UNSUPPORTED.items():
        if body.get(name) not in (None, False):
            raise _fail(name, why)
    items = input_items(body)
    response_format, verbosity = _response_format(body.get("text"))
    reasoning = body.get("reasoning") or {}
    include = body.get("include") or []
    hints: dict[str, Any] = {k: body[k] for k in HINTS if body.get(k) is not None}
    if metadata:
        hints["metadata"] = metadata
    if verbosity:
        hints["verbosity"] = verbosity
    chat = ChatRequest(
        model=body.get("model") or "",
        messages=messages_of([*earlier, *items], body.get("instructions")),
        max_tokens=body.get("max_output_tokens"),
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        tools=_tools(body.get("tools")),
        tool_choice=_tool_choice(body.get("tool_choice")),
        parallel_tool_calls=body.get("parallel_tool_calls"),
        response_format=response_format,
        reasoning_effort=reasoning.get("effort"),
        user=body.get("user"),
        stream=body.get("stream") is True,
        include_reasoning=reasoning.get("summary") is not None,
        hints=hints or None,
        include_encrypted_reasoning=ENCRYPTED_REASONING in include,
    )
    return ResponsesRequest(
        chat=chat,
        items=items,
        store=body.get("store") is not False,
        previous_response_id=body.get("previous_response_id"),
        body=body,
    )
