"""Anthropic Messages request bodies -> the internal :class:`ChatRequest`, with a 400 naming the
field for anything malformed.

Unknown top-level fields (``context_management``, ``container``, ``mcp_servers`` ...) are hints
Claude Code and the SDKs add: they are left out, never a 400. What changes the answer is carried:
``system`` (string or text blocks, ``cache_control`` kept), text / image / document (PDF) /
``tool_use`` / ``tool_result`` blocks, ``tools`` (``input_schema``, ``cache_control``),
``tool_choice``, ``thinking`` (its budget, and the nearest ``reasoning_effort`` for upstreams
that take an effort), ``stop_sequences``, ``max_tokens``, ``temperature``, ``top_p``, ``top_k``,
``metadata.user_id``.
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.errors import BadRequest
from modelyard.gateway import bounds, tool_call_ids
from modelyard.gateway.inbound import refuse_upstream_overrides
from modelyard.llm_types import ChatRequest, ImagePart, Message, Part, TextPart, ToolCall, ToolSpec
from modelyard.llm_types.chat import FilePart

MAX_STOP_SEQUENCES = 16


def fail(param: str, message: str) -> BadRequest:
    return BadRequest(f"'{param}': {message}", param=param)


def effort_of(budget: int) -> str:
    """The ``reasoning_effort`` nearest a thinking budget (for upstreams that take an effort)."""
    if budget <= 2048:
        return "low"
    if budget <= 8192:
        return "medium"
    return "high"


def _cache_control(block: dict[str, Any], param: str) -> dict[str, Any] | None:
    marker = block.get("cache_control")
    if marker is None:
        return None
    if not isinstance(marker, dict) or marker.get("type") != "ephemeral":
        raise fail(
            f"{param}.cache_control", 'must be {"type": "ephemeral"} (with an optional ttl).'
        )
    return marker


def _blocks(content: Any, param: str) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise fail(param, "must be a string or a list of content blocks.")
    return content


def _text(block: dict[str, Any], param: str) -> TextPart:
    text = block.get("text")
    if not isinstance(text, str):
        raise fail(f"{param}.text", "must be a string.")
    return TextPart(text, _cache_control(block, param))


def _image(block: dict[str, Any], param: str) -> ImagePart:
    source = block.get("source")
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "base64" and isinstance(source, dict):
        media_type, data = source.get("media_type"), source.get("data")
        if not isinstance(media_type, str) or not media_type.startswith("image/"):
            raise fail(f"{param}.source.media_type", "must be an image media type.")
        if not isinstance(data, str) or not data:
            raise fail(f"{param}.source.data", "must be base64 data.")
        url = f"data:{media_type};base64,{data}"
    elif kind == "url" and isinstance(source, dict):
        link = source.get("url")
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise fail(f"{param}.source.url", "must be an http(s) URL.")
        url = link
    else:
        raise fail(f"{param}.source.type", "must be base64 or url.")
    bounds.check_image_url(url, f"{param}.source")
    return ImagePart(url, cache_control=_cache_control(block, param))


def _document(block: dict[str, Any], param: str) -> Part:
    """A ``document`` block: a base64 PDF (a file part, for the upstreams that read documents;
    the others refuse it naming ``file``) or a plain-text source (its text)."""
    source = block.get("source")
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "text" and isinstance(source, dict):
        data = source.get("data")
        if not isinstance(data, str):
            raise fail(f"{param}.source.data", "must be a string.")
        return TextPart(data, _cache_control(block, param))
    if kind != "base64" or not isinstance(source, dict):
        raise fail(f"{param}.source.type", "must be base64 or text (send a PDF as base64).")
    media_type, data = source.get("media_type"), source.get("data")
    if media_type != "application/pdf":
        raise fail(f"{param}.source.media_type", "must be application/pdf.")
    if not isinstance(data, str) or not data:
        raise fail(f"{param}.source.data", "must be base64 data.")
    url = f"data:{media_type};base64,{data}"
    bounds.check_data_url(url, f"{param}.source", "a document")
    title = block.get("title")
    return FilePart(
        url,
        cache_control=_cache_control(block, param),
        filename=title if isinstance(title, str) else None,
    )


def _tool_use(block: dict[str, Any], param: str) -> ToolCall:
    call_id, name, arguments = block.get("id"), block.get("name"), block.get("input", {})
    if not isinstance(call_id, str) or not call_id:
        raise fail(f"{param}.id", "is required.")
    if not isinstance(name, str) or not name:
        raise fail(f"{param}.name", "is required.")
    if not isinstance(arguments, dict):
        raise fail(f"{param}.input", "must be an object.")
    # Provider data (thinking signatures) rides in the id we gave out: split it back off.
    return tool_call_ids.inbound_call(call_id, name, orjson.dumps(arguments).decode())


def _tool_result(block: dict[str, Any], param: str) -> tuple[Message, list[ImagePart]]:
    """The tool message of a ``tool_result`` block, and the images it held (which go on in the
    user turn after it: most wire formats take only text as a tool's result)."""
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str) or not call_id:
        raise fail(f"{param}.tool_use_id", "is required.")
    parts: list[Part] = []
    images: list[ImagePart] = []
    content = block.get("content")
    if content is not None:
        for index, inner in enumerate(_blocks(content, f"{param}.content")):
            where = f"{param}.content[{index}]"
            kind = inner.get("type") if isinstance(inner, dict) else None
            if kind == "text":
                parts.append(_text(inner, where))
            elif kind == "image":
                images.append(_image(inner, where))
            else:
                raise fail(
                    f"{where}.type", f"block type '{kind}' is not supported in a tool_result."
                )
    marker = _cache_control(block, param)
    if marker is not None:
        if parts and isinstance(parts[-1], TextPart):
            parts[-1].cache_control = marker
        else:
            parts.append(TextPart("", marker))
    is_error = block.get("is_error")
    if is_error is not None and not isinstance(is_error, bool):
        raise fail(f"{param}.is_error", "must be a boolean.")
    message = Message(
        role="tool",
        parts=parts,
        tool_call_id=tool_call_ids.decode(call_id).call_id,
        is_error=bool(is_error),
    )
    return message, images


def _user(content: Any, param: str) -> list[Message]:
    """One user turn: its tool results first (one tool message each), then its other content."""
    tools: list[Message] = []
    parts: list[Part] = []
    for index, block in enumerate(_blocks(content, param)):
        where = f"{param}[{index}]"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            parts.append(_text(block, where))
        elif kind == "image":
            parts.append(_image(block, where))
        elif kind == "document":
            parts.append(_document(block, where))
        elif kind == "tool_result":
            message, images = _tool_result(block, where)
            tools.append(message)
            parts.extend(images)
        else:
            raise fail(f"{where}.type", f"block type '{kind}' is not supported in user messages.")
    if parts or not tools:
        tools.append(Message(role="user", parts=parts))
    return tools


def _assistant(content: Any, param: str) -> Message:
    """An assistant turn. Its thinking blocks are left out: the signed thinking that must go
    back to the model that wrote it rides in the ids of the tool calls it came before."""
    message = Message(role="assistant")
    for index, block in enumerate(_blocks(content, param)):
        where = f"{param}[{index}]"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            message.parts.append(_text(block, where))
        elif kind == "tool_use":
            message.tool_calls.append(_tool_use(block, where))
        elif kind not in ("thinking", "redacted_thinking"):
            raise fail(
                f"{where}.type", f"block type '{kind}' is not supported in assistant messages."
            )
    return message


def _messages(raw: Any) -> list[Message]:
    if not isinstance(raw, list) or not raw:
        raise fail("messages", "must be a non-empty list.")
    messages: list[Message] = []
    for index, item in enumerate(raw):
        param = f"messages[{index}]"
        if not isinstance(item, dict):
            raise fail(param, "must be an object.")
        role = item.get("role")
        if role == "user":
            messages.extend(_user(item.get("content"), f"{param}.content"))
        elif role == "assistant":
            messages.append(_assistant(item.get("content"), f"{param}.content"))
        else:
            raise fail(f"{param}.role", "must be user or assistant.")
    return messages


def _system(raw: Any) -> Message | None:
    if raw is None:
        return None
    parts: list[Part] = []
    for index, block in enumerate(_blocks(raw, "system")):
        where = f"system[{index}]"
        if not isinstance(block, dict) or block.get("type") != "text":
            raise fail(f"{where}.type", "system blocks must be text blocks.")
        parts.append(_text(block, where))
    return Message(role="system", parts=parts) if parts else None


def _tools(raw: Any) -> list[ToolSpec] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise fail("tools", "must be a list.")
    tools = []
    for index, tool in enumerate(raw):
        param = f"tools[{index}]"
        if not isinstance(tool, dict):
            raise fail(param, "must be an object.")
        if tool.get("type", "custom") != "custom":
            raise fail(f"{param}.type", f"server tool '{tool.get('type')}' is not supported here.")
        name, description, schema = (
            tool.get("name"),
            tool.get("description"),
            tool.get("input_schema"),
        )
        if not isinstance(name, str) or not name:
            raise fail(f"{param}.name", "is required.")
        if not isinstance(schema, dict):
            raise fail(f"{param}.input_schema", "must be a JSON schema object.")
        if description is not None and not isinstance(description, str):
            raise fail(f"{param}.description", "must be a string.")
        tools.append(ToolSpec(name, description, schema, _cache_control(tool, param)))
    return tools


def _tool_choice(raw: Any) -> tuple[str | None, bool | None]:
    """The internal tool choice and ``parallel_tool_calls``."""
    if raw is None:
        return None, None
    kind = raw.get("type") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or kind not in ("auto", "any", "tool", "none"):
        raise fail("tool_choice.type", "must be auto, any, tool or none.")
    parallel = False if raw.get("disable_parallel_tool_use") is True else None
    if kind == "tool":
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise fail("tool_choice.name", "is required with type tool.")
        return name, parallel
    return {"any": "required"}.get(kind, kind), parallel


def _thinking(raw: Any) -> tuple[str | None, int | None]:
    """``reasoning_effort`` and the thinking budget."""
    if raw is None:
        return None, None
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind == "disabled":
        return None, None
    if kind == "adaptive":
        return "medium", None
    if kind != "enabled" or not isinstance(raw, dict):
        raise fail("thinking.type", "must be enabled, adaptive or disabled.")
    budget = raw.get("budget_tokens")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1024:
        raise fail("thinking.budget_tokens", "must be an integer of at least 1024.")
    return effort_of(budget), budget


def _number(body: dict[str, Any], key: str, high: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
        raise fail(key, f"must be a number from 0 to {high}.")
    return float(value)


def _positive(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(key, "must be a positive integer.")
    return value


def _stop(raw: Any) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(s, str) and s for s in raw):
        raise fail("stop_sequences", "must be a list of non-empty strings.")
    if len(raw) > MAX_STOP_SEQUENCES:
        raise fail("stop_sequences", f"at most {MAX_STOP_SEQUENCES} sequences.")
    return list(raw) or None


def _user_id(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("metadata", "must be an object.")
    user = raw.get("user_id")
    if user is not None and not isinstance(user, str):
        raise fail("metadata.user_id", "must be a string.")
    return user


_FILE = frozenset({"file"})


def _has_files(messages: list[Message]) -> bool:
    return any(type(part) is FilePart for message in messages for part in message.parts)


def model_of(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise fail("model", "is required.")
    return model


def chat_request(body: dict[str, Any]) -> ChatRequest:
    """The internal request; ``model`` holds the caller's slug."""
    refuse_upstream_overrides({k: v for k, v in body.items() if k != "metadata"})
    model = model_of(body)
    max_tokens = _positive(body, "max_tokens")
    if max_tokens is None:
        raise fail("max_tokens", "is required.")
    messages = _messages(body.get("messages"))
    system = _system(body.get("system"))
    if system is not None:
        messages.insert(0, system)
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise fail("stream", "must be a boolean.")
    tool_choice, parallel = _tool_choice(body.get("tool_choice"))
    effort, budget = _thinking(body.get("thinking"))
    return ChatRequest(
        model=model,
        messages=messages,
        max_tokens=max_tokens,
        temperature=_number(body, "temperature", 1),
        top_p=_number(body, "top_p", 1),
        stop=_stop(body.get("stop_sequences")),
        tools=_tools(body.get("tools")) or None,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel,
        reasoning_effort=effort,
        user=_user_id(body.get("metadata")),
        stream=stream is True,
        top_k=_positive(body, "top_k"),
        reasoning_budget=budget,
        part_kinds=_FILE if _has_files(messages) else None,
    )


def count_request(body: dict[str, Any]) -> ChatRequest:
    """What ``count_tokens`` counts: the same body without ``max_tokens``."""
    return chat_request({**body, "max_tokens": body.get("max_tokens") or 1, "stream": False})
