"""OpenAI-shaped request bodies -> internal requests, with a clear 400 for anything malformed.

Unknown top-level fields are ignored (SDKs add new ones all the time), except those that would
let a caller pick the upstream or its credentials: those are refused wherever they appear.
"""

from __future__ import annotations

from typing import Any

from modelyard.errors import BadRequest
from modelyard.gateway import bounds, tool_call_ids
from modelyard.llm_types import (
    ChatRequest,
    EmbeddingRequest,
    ImagePart,
    Message,
    Part,
    TextPart,
    ToolCall,
    ToolSpec,
)
from modelyard.llm_types.chat import AudioPart, FilePart
from modelyard.routing.tokens import estimate_text_tokens

FORBIDDEN_KEYS = frozenset(
    {
        "api_base",
        "base_url",
        "api_key",
        "api_version",
        "api_type",
        "azure_endpoint",
        "azure_ad_token",
        "deployment_id",
        "organization",
        "headers",
        "extra_headers",
        "extra_query",
        "extra_body",
        "custom_llm_provider",
        "litellm_params",
        "aws_access_key_id",
        "aws_secret_access_key",
        "vertex_credentials",
        "vertex_project",
        "upstream",
        "endpoint",
    }
)
# JSON schemas written by the caller may name properties anything at all.
_FREE_FORM = frozenset({"parameters", "schema", "json_schema", "input_schema"})
# The caller's own tags: their keys are free (``{"endpoint": "/checkout"}`` is a tag, not an
# upstream), what they hold is still looked into.
_TAGS = "metadata"
# Pure hints: passed on where the upstream knows them (OpenAI, Azure), else left out.
HINTS = (
    "metadata",
    "store",
    "service_tier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "safety_identifier",
    "verbosity",
)
_HINT_KEYS = frozenset(HINTS)
_OPTIONS = _HINT_KEYS | {
    "n",
    "logprobs",
    "top_logprobs",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "functions",
}


class _Found:
    """What reading the messages found: the special part kinds, the legacy call ids (the
    latest one is what a following ``function`` message answers)."""

    __slots__ = ("kinds", "legacy")

    def __init__(self) -> None:
        self.kinds: set[str] | None = None
        self.legacy: list[str] | None = None


def refuse_upstream_overrides(value: Any, path: str = "") -> None:
    """400 when a body tries to choose the upstream, its URL, key or headers, at any depth.

    A stack of (node, path), not recursion: orjson accepts nesting up to 1,023 levels, deeper
    than Python's recursion limit leaves room for.
    """
    stack = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if key in FORBIDDEN_KEYS:
                    param = f"{where}.{key}" if where else key
                    raise BadRequest(
                        f"'{param}' is not accepted: the workspace's configuration decides "
                        "where a call goes and with which credentials.",
                        param=param,
                        code="upstream_override_refused",
                    )
                if key == _TAGS and isinstance(item, dict):
                    tags = f"{where}.{key}" if where else key
                    stack.extend(
                        (value, f"{tags}.{tag}")
                        for tag, value in item.items()
                        if isinstance(value, dict | list)
                    )
                elif key not in _FREE_FORM and isinstance(item, dict | list):
                    stack.append((item, f"{where}.{key}" if where else key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, dict | list):
                    stack.append((item, f"{where}[{index}]"))


def _fail(param: str, message: str) -> BadRequest:
    return BadRequest(f"'{param}': {message}", param=param)


def _str(body: dict[str, Any], key: str, param: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise _fail(param, "must be a string.")
    return value


def _number(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _fail(key, f"must be a number from {low} to {high}.")
    return float(value)


def _positive_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(key, "must be a positive integer.")
    return value


def _parts(content: Any, param: str, found: _Found | None = None) -> list[Part]:
    """The content parts; ``found.kinds`` collects ``"file"`` / ``"input_audio"`` (parts
    taken only where ``found`` is given: user messages)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(content)]
    if not isinstance(content, list):
        raise _fail(param, "must be a string or a list of content parts.")
    parts: list[Part] = []
    for index, part in enumerate(content):
        where = f"{param}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            parts.append(TextPart(part["text"]))
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if not isinstance(url, str) or not url.startswith(
                ("data:image/", "https://", "http://")
            ):
                raise _fail(f"{where}.image_url", "must be an https URL or a data:image/... URL.")
            bounds.check_image_url(url, f"{where}.image_url.url")
            detail = image.get("detail") if isinstance(image, dict) else None
            if detail is not None and detail not in ("auto", "low", "high"):
                raise _fail(f"{where}.image_url.detail", "must be one of auto, low, high.")
            parts.append(ImagePart(url, detail))
        elif kind == "file" and found is not None:
            parts.append(_file_part(part.get("file"), f"{where}.file"))
            found.kinds = (found.kinds or set()) | {"file"}
        elif kind == "input_audio" and found is not None:
            parts.append(_audio_part(part.get("input_audio"), f"{where}.input_audio"))
            found.kinds = (found.kinds or set()) | {"input_audio"}
        elif kind == "text":
            raise _fail(f"{where}.text", "must be a string.")
        else:
            raise _fail(f"{where}.type", f"content part type '{kind}' is not supported here.")
    return parts


def _file_part(raw: Any, param: str) -> FilePart:
    """A ``file`` part with inline ``file_data`` (a PDF data URL, or bare base64 of one)."""
    if not isinstance(raw, dict):
        raise _fail(param, "must be an object with file_data.")
    data = raw.get("file_data")
    if not isinstance(data, str) or not data:
        if raw.get("file_id") is not None:
            raise _fail(f"{param}.file_id", "is not supported: send the file as file_data.")
        raise _fail(f"{param}.file_data", "is required (a data:application/pdf;base64 URL).")
    if not data.startswith("data:"):
        data = "data:application/pdf;base64," + data
    bounds.check_data_url(data, f"{param}.file_data", "a file")
    filename = raw.get("filename")
    return FilePart(data, filename=filename if isinstance(filename, str) else None)


def _audio_part(raw: Any, param: str) -> AudioPart:
    data = raw.get("data") if isinstance(raw, dict) else None
    audio_format = raw.get("format") if isinstance(raw, dict) else None
    if not isinstance(data, str) or not data:
        raise _fail(f"{param}.data", "is required (base64 audio).")
    if audio_format not in ("wav", "mp3"):
        raise _fail(f"{param}.format", "must be one of wav, mp3.")
    url = f"data:audio/{audio_format};base64,{data}"
    bounds.check_data_url(url, f"{param}.data", "an audio input")
    return AudioPart(url, format=audio_format)


def _tool_calls(raw: Any, param: str) -> list[ToolCall]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _fail(param, "must be a list.")
    calls = []
    for index, call in enumerate(raw):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise _fail(f"{param}[{index}].function", "must name the function.")
        arguments = function.get("arguments", "{}")
        if not isinstance(arguments, str):
            raise _fail(f"{param}[{index}].function.arguments", "must be a JSON string.")
        # Provider data (thought signatures) rides in the id we gave out: split it back off.
        caller_id = str(call.get("id") or f"call_{index}")
        calls.append(tool_call_ids.inbound_call(caller_id, function["name"], arguments))
    return calls


def _message(raw: Any, index: int, found: _Found) -> Message:
    """One message (noting in ``found`` what the request as a whole must know)."""
    param = f"messages[{index}]"
    if not isinstance(raw, dict):
        raise _fail(param, "must be an object.")
    role = raw.get("role")
    if role == "developer":
        role = "system"
    if role == "function":  # legacy function result: a tool message answering the last call
        return _function_result(raw, param, found.legacy)
    if role not in ("system", "user", "assistant", "tool"):
        raise _fail(
            f"{param}.role", "must be one of system, developer, user, assistant, tool, function."
        )
    parts = _parts(raw.get("content"), f"{param}.content", found if role == "user" else None)
    message = Message(role=role, parts=parts)
    if role in ("system", "tool") and message.has_images:
        raise _fail(f"{param}.content", f"{role} messages carry text only.")
    if role == "assistant":
        message.tool_calls = _tool_calls(raw.get("tool_calls"), f"{param}.tool_calls")
        if raw.get("function_call") is not None and not message.tool_calls:
            call = _legacy_call(raw["function_call"], f"{param}.function_call", index)
            found.legacy = [*(found.legacy or ()), call.id]
            message.tool_calls = [call]
    if role == "tool":
        tool_call_id = raw.get("tool_call_id")
        if not isinstance(tool_call_id, str) or not tool_call_id:
            raise _fail(f"{param}.tool_call_id", "is required for tool messages.")
        message.tool_call_id = tool_call_ids.decode(tool_call_id).call_id
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise _fail(f"{param}.name", "must be a string.")
    message.name = name
    return message


def _legacy_call(raw: Any, param: str, index: int) -> ToolCall:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise _fail(f"{param}.name", "is required.")
    arguments = raw.get("arguments", "{}")
    if not isinstance(arguments, str):
        raise _fail(f"{param}.arguments", "must be a JSON string.")
    return ToolCall(f"call_fn{index}", raw["name"], arguments)


def _function_result(raw: dict[str, Any], param: str, legacy: list[str] | None) -> Message:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(f"{param}.name", "is required for function messages.")
    content = raw.get("content")
    if content is not None and not isinstance(content, str):
        raise _fail(f"{param}.content", "must be a string.")
    call_id = legacy[-1] if legacy else f"call_fn_{name}"
    return Message(role="tool", parts=[TextPart(content or "")], tool_call_id=call_id, name=name)


def _legacy_functions(raw: Any) -> list[ToolSpec]:
    """Legacy ``functions`` as tools: ``[{"name", "description", "parameters"}]``."""
    if not isinstance(raw, list):
        raise _fail("functions", "must be a list.")
    return _tools([{"type": "function", "function": f} for f in raw], "functions") or []


def _legacy_choice(raw: Any) -> str | None:
    if raw is None or raw in ("auto", "none"):
        return raw  # type: ignore[no-any-return]
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        return raw["name"]  # type: ignore[no-any-return]
    raise _fail("function_call", 'must be auto, none or {"name": ...}.')


def _tools(raw: Any, param: str = "tools") -> list[ToolSpec] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise _fail(param, "must be a list.")
    tools = []
    for index, tool in enumerate(raw):
        function = tool.get("function") if isinstance(tool, dict) else None
        where = f"{param}[{index}].function" if param == "tools" else f"{param}[{index}]"
        if not isinstance(tool, dict) or tool.get("type", "function") != "function":
            raise _fail(f"{param}[{index}].type", "only function tools are supported.")
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise _fail(f"{where}.name", "is required.")
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        if not isinstance(parameters, dict):
            raise _fail(f"{where}.parameters", "must be a JSON schema object.")
        description = function.get("description")
        tools.append(
            ToolSpec(
                function["name"], description if isinstance(description, str) else None, parameters
            )
        )
    return tools


def _tool_choice(raw: Any) -> str | None:
    if raw is None or raw in ("auto", "none", "required"):
        return raw  # type: ignore[no-any-return]
    if isinstance(raw, dict) and isinstance(raw.get("function"), dict):
        name = raw["function"].get("name")
        if isinstance(name, str):
            return name
    raise _fail("tool_choice", "must be auto, none, required or a function.")


def uses_legacy_functions(body: dict[str, Any]) -> bool:
    """Whether the caller asked with legacy ``functions`` (so wants ``function_call`` back)."""
    return body.get("functions") is not None and body.get("tools") is None


def _options(body: dict[str, Any], request: ChatRequest) -> None:
    """The rarer options onto ``request``: read only when the body has one of them, so a
    plain call does no work for them."""
    n = body.get("n") or 1
    logprobs = body.get("logprobs") is True
    # Streamed too: the router refuses (400 naming them and the model) where the wire's stream
    # cannot carry them (ChatRequest.uncarried).
    request.n = n
    request.logprobs = logprobs
    request.top_logprobs = body.get("top_logprobs") if logprobs else None  # no effect without
    request.presence_penalty = body.get("presence_penalty")  # checked by bounds.CHAT
    request.frequency_penalty = body.get("frequency_penalty")
    request.logit_bias = body.get("logit_bias") or None
    if not _HINT_KEYS.isdisjoint(body):
        request.hints = {key: body[key] for key in HINTS if body.get(key) is not None} or None
    if body.get("functions") is not None and request.tools is None:
        request.tools = _legacy_functions(body["functions"]) or None
        request.tool_choice = _legacy_choice(body.get("function_call"))


def chat_request(body: dict[str, Any]) -> ChatRequest:
    """The internal chat request; ``model`` still holds the caller's slug (or "")."""
    refuse_upstream_overrides(body)
    bounds.check_fields(body, bounds.CHAT)
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise _fail("messages", "must be a non-empty list.")
    stop = body.get("stop")
    if isinstance(stop, str):
        stop = [stop]
    if stop is not None and not (
        isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop)
    ):
        raise _fail("stop", "must be a string or a list of at most 4 strings.")
    max_tokens = _positive_int(body, "max_completion_tokens") or _positive_int(body, "max_tokens")
    response_format = body.get("response_format")
    if response_format is not None and not isinstance(response_format, dict):
        raise _fail("response_format", "must be an object.")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise _fail("seed", "must be an integer.")
    parallel = body.get("parallel_tool_calls")
    found = _Found()
    request = ChatRequest(
        model=_str(body, "model", "model") or "",
        messages=[_message(raw, i, found) for i, raw in enumerate(raw_messages)],
        max_tokens=max_tokens,
        temperature=_number(body, "temperature", 0, 2),
        top_p=_number(body, "top_p", 0, 1),
        stop=stop,
        tools=_tools(body.get("tools")) or None,
        tool_choice=_tool_choice(body.get("tool_choice")),
        parallel_tool_calls=parallel,
        response_format=response_format,
        reasoning_effort=_str(body, "reasoning_effort", "reasoning_effort"),
        seed=seed,
        user=_str(body, "user", "user"),
        stream=body.get("stream") is True,  # a boolean or absent (bounds.CHAT)
    )
    if found.kinds:
        request.part_kinds = frozenset(found.kinds)
    if not _OPTIONS.isdisjoint(body):
        _options(body, request)
    return request


def _embedding_inputs(raw: Any) -> list[str] | list[list[int]]:
    """``input`` as OpenAI takes it: a string, or 1-2048 strings, one token array or 1-2048 of
    them; nothing empty, each within 8,192 tokens and all within 300,000 (estimated)."""
    if isinstance(raw, str):
        inputs: list[Any] = [raw]
        where = ["input"]
    elif isinstance(raw, list) and raw and all(_is_int(x) for x in raw):
        inputs, where = [raw], ["input"]
    elif isinstance(raw, list) and raw:
        if len(raw) > bounds.MAX_EMBEDDING_INPUTS:
            raise _fail("input", f"at most {bounds.MAX_EMBEDDING_INPUTS} inputs per request.")
        kind = str if isinstance(raw[0], str) else list
        inputs, where = raw, [f"input[{i}]" for i in range(len(raw))]
        for item, param in zip(raw, where, strict=True):
            if not isinstance(item, kind) or (kind is list and not all(_is_int(t) for t in item)):
                raise _fail(param, "must be a string or a token array, like the other inputs.")
    else:
        raise _fail("input", "must be a string, a list of strings, or token arrays.")
    total = 0
    for item, param in zip(inputs, where, strict=True):
        if not item:
            raise _fail(param, "must not be empty.")
        if isinstance(item, list) and min(item) < 0:
            raise _fail(param, "token ids are never negative.")
        tokens = estimate_text_tokens([item]) if isinstance(item, str) else len(item)
        if tokens > bounds.MAX_TOKENS_PER_EMBEDDING_INPUT:
            raise _fail(
                param,
                f"is about {tokens} tokens; an input may have at most "
                f"{bounds.MAX_TOKENS_PER_EMBEDDING_INPUT}.",
            )
        total += tokens
    if total > bounds.MAX_TOKENS_PER_EMBEDDING_REQUEST:
        raise _fail(
            "input",
            f"is about {total} tokens in all; a request may have at most "
            f"{bounds.MAX_TOKENS_PER_EMBEDDING_REQUEST}.",
        )
    return inputs


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def embedding_request(body: dict[str, Any]) -> tuple[EmbeddingRequest, str]:
    """The internal request and the wanted ``encoding_format`` ("float" or "base64")."""
    refuse_upstream_overrides(body)
    bounds.check_fields(body, bounds.EMBEDDINGS)
    inputs = _embedding_inputs(body.get("input"))
    request = EmbeddingRequest(
        model=_str(body, "model", "model") or "",
        inputs=inputs,
        dimensions=_positive_int(body, "dimensions"),
        user=_str(body, "user", "user"),
    )
    return request, body.get("encoding_format") or "float"
