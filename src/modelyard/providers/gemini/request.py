"""A :class:`ChatRequest` as a Gemini ``GenerateContentRequest`` body.

- System messages become ``systemInstruction`` (one text part each); user turns have role
  ``user``, assistant turns role ``model``. Adjacent turns of the same Gemini role are merged
  (tool results and the user message after them, parallel tool results), as Gemini wants the
  answers to one turn's function calls together.
- Images: data URLs as ``inlineData``, other URLs as ``fileData`` (media type from the
  extension, ``image/jpeg`` when it says nothing). Documents (PDF ``file`` parts) and
  ``input_audio`` are data URLs too: ``inlineData`` with their own media type.
- ``presence_penalty`` / ``frequency_penalty``, ``logprobs`` / ``top_logprobs``
  (``responseLogprobs`` / ``logprobs``) and ``n`` (``candidateCount``) go in
  ``generationConfig``; the answer's ``logprobsResult`` comes back in OpenAI's shape.
- Assistant tool calls become ``functionCall`` parts. Their arguments should be a JSON object;
  anything else is replayed as ``{"arguments": <the raw text>}`` rather than failing the call.
  Gemini 3 refuses replayed function calls of the current turn without the ``thoughtSignature``
  it sent: a call whose ``provider_data`` holds one gets it back on its part; when the first
  call of a model turn has none (a history from another model, a client that dropped it), it
  carries Google's documented placeholder signature instead (earlier models ignore it).
- Tool results become ``functionResponse`` parts of a user turn, named after the call with the
  same id (the latest one: older answers' ``call_<n>`` ids repeated across turns); a
  JSON-object result goes in as it is, anything else as ``{"content": <text>}``. No ids are
  sent back: Gemini matches responses to calls by name and order.
- Tool and response schemas that fit Gemini's own ``Schema`` object go in ``parameters`` /
  ``responseSchema``; richer JSON Schema in ``parametersJsonSchema`` / ``responseJsonSchema``.
- ``reasoning_effort`` becomes a ``thinkingBudget`` (Google's own OpenAI-compatible mapping);
  ``include_reasoning`` asks for the thoughts with ``includeThoughts``.
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.errors import BadRequest
from modelyard.llm_types import ChatRequest, ImagePart, Message, Part, TextPart, ToolCall, ToolSpec
from modelyard.providers.gemini.common import (
    SIGNATURE_TAG,
    has_parameters,
    image_type,
    is_simple_schema,
)

# https://ai.google.dev/gemini-api/docs/thought-signatures (signatures for replayed histories).
PLACEHOLDER_SIGNATURE = "skip_thought_signature_validator"

THINKING_BUDGETS = {
    "none": 0,
    "minimal": 1024,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
    "xhigh": 24576,
}

_TOOL_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}


def chat_body(request: ChatRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"contents": contents(request.messages)}
    system = [{"text": m.text} for m in request.messages if m.role == "system" and m.text.strip()]
    if system:
        body["systemInstruction"] = {"parts": system}
    if request.tools:
        body["tools"] = [{"functionDeclarations": [declaration(t) for t in request.tools]}]
        if request.tool_choice:
            body["toolConfig"] = {"functionCallingConfig": calling_config(request.tool_choice)}
    config = generation_config(request)
    if config:
        body["generationConfig"] = config
    return body


def contents(messages: list[Message]) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool call id -> function name, the latest call wins
    for message in messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            role, parts = "user", [function_response(message, names)]
        elif message.role == "assistant":
            role = "model"
            parts = content_parts(message.parts)
            for number, call in enumerate(message.tool_calls):
                names[call.id] = call.name
                parts.append(function_call(call, first=number == 0))
        else:
            role, parts = "user", content_parts(message.parts)
        if not parts:
            continue  # Gemini refuses a turn without parts
        if turns and turns[-1]["role"] == role:
            turns[-1]["parts"].extend(parts)
        else:
            turns.append({"role": role, "parts": parts})
    return turns


def content_parts(parts: list[Part]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, TextPart):
            if part.text:
                out.append({"text": part.text})
        else:
            out.append(image_part(part))
    return out


def image_part(part: ImagePart) -> dict[str, Any]:
    if part.is_data_url:
        media_type, data = part.data()
        return {"inlineData": {"mimeType": media_type, "data": data}}
    return {"fileData": {"mimeType": image_type(part.url), "fileUri": part.url}}


def function_call(call: ToolCall, *, first: bool) -> dict[str, Any]:
    try:
        args = orjson.loads(call.arguments) if call.arguments.strip() else {}
    except orjson.JSONDecodeError:
        args = None
    if not isinstance(args, dict):
        args = {"arguments": call.arguments}
    part: dict[str, Any] = {"functionCall": {"name": call.name, "args": args}}
    data = call.provider_data or ""
    if data.startswith(SIGNATURE_TAG) and len(data) > len(SIGNATURE_TAG):
        part["thoughtSignature"] = data[len(SIGNATURE_TAG) :]
    elif first:
        part["thoughtSignature"] = PLACEHOLDER_SIGNATURE
    return part


def function_response(message: Message, names: dict[str, str]) -> dict[str, Any]:
    name = names.get(message.tool_call_id or "") or message.name
    if not name:
        raise BadRequest(
            f"The tool message for tool_call_id {message.tool_call_id!r} answers no earlier "
            "tool call; Gemini needs the function's name",
            param="messages",
        )
    text = message.text
    try:
        result = orjson.loads(text)
    except orjson.JSONDecodeError:
        result = None
    response = result if isinstance(result, dict) else {"content": text}
    return {"functionResponse": {"name": name, "response": response}}


def declaration(tool: ToolSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": tool.name}
    if tool.description:
        out["description"] = tool.description
    if has_parameters(tool.parameters):
        key = "parameters" if is_simple_schema(tool.parameters) else "parametersJsonSchema"
        out[key] = tool.parameters
    return out


def calling_config(choice: str) -> dict[str, Any]:
    mode = _TOOL_MODES.get(choice)
    if mode is not None:
        return {"mode": mode}
    return {"mode": "ANY", "allowedFunctionNames": [choice]}


def generation_config(request: ChatRequest) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if request.max_tokens is not None:
        config["maxOutputTokens"] = request.max_tokens
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.top_p is not None:
        config["topP"] = request.top_p
    if request.stop:
        config["stopSequences"] = request.stop
    if request.seed is not None:
        config["seed"] = request.seed
    if request.presence_penalty is not None:
        config["presencePenalty"] = request.presence_penalty
    if request.frequency_penalty is not None:
        config["frequencyPenalty"] = request.frequency_penalty
    if request.logprobs:
        config["responseLogprobs"] = True
        if request.top_logprobs is not None:
            config["logprobs"] = request.top_logprobs
    if request.n != 1:
        config["candidateCount"] = request.n
    config.update(response_format(request.response_format))
    thinking: dict[str, Any] = {}
    if request.reasoning_effort in THINKING_BUDGETS:
        thinking["thinkingBudget"] = THINKING_BUDGETS[request.reasoning_effort]
    if request.include_reasoning:
        thinking["includeThoughts"] = True
    if thinking:
        config["thinkingConfig"] = thinking
    return config


def response_format(spec: dict[str, Any] | None) -> dict[str, Any]:
    kind = spec.get("type") if spec else None
    if spec is None or kind not in ("json_object", "json_schema"):
        return {}
    out: dict[str, Any] = {"responseMimeType": "application/json"}
    wrapper = spec.get("json_schema")
    schema = wrapper.get("schema") if kind == "json_schema" and isinstance(wrapper, dict) else None
    if isinstance(schema, dict) and schema:
        out["responseSchema" if is_simple_schema(schema) else "responseJsonSchema"] = schema
    return out
