"""JSON and error helpers shared by the OpenAI wire modules (chat, responses, embeddings, images).

Error bodies differ between servers speaking OpenAI's API: OpenAI and Azure send
``{"error": {"message", ...}}``, Mistral and vLLM ``{"object": "error", "message": ...}`` (the
message sometimes a pydantic ``{"detail": [...]}``), FastAPI-based servers ``{"detail": ...}``.
"""

from __future__ import annotations

from typing import Any

import orjson

from modelyard.errors import UpstreamError
from modelyard.providers.base import UpstreamProtocolError


def malformed(reason: str, who: str) -> UpstreamProtocolError:
    return UpstreamProtocolError(f"{who} sent a malformed response: {reason}")


def load_object(body: bytes, who: str, what: str = "the body") -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise malformed(f"{what} is not valid JSON", who) from None
    if not isinstance(data, dict):
        raise malformed(f"{what} is not a JSON object", who)
    return data


def raise_for_error(data: dict[str, Any], *, in_stream: bool = False) -> None:
    """Raise :class:`UpstreamError` when a 200 body or a stream chunk carries an ``error``."""
    error = data.get("error")
    if error is None or error == {}:
        return
    message = error_message_of(data) or "unknown error"
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(code, str):
        code = None
    prefix = "The provider reported an error mid-stream" if in_stream else "The provider failed"
    raise UpstreamError(f"{prefix}: {message}", code=code)


def error_message(body: bytes) -> str | None:
    """The message of an OpenAI-style error body (also Azure's, Mistral's and vLLM's)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return error_message_of(data)


def error_message_of(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict):
        found = _message_text(error.get("message"))
        if found:
            return found
    elif isinstance(error, str) and error.strip():
        return error.strip()
    # Mistral / vLLM: {"object": "error", "message": ...}; FastAPI servers: {"detail": ...}
    return _message_text(data.get("message")) or _message_text(data.get("detail"))


def _message_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _message_text(value.get("detail")) or _message_text(value.get("message"))
    if isinstance(value, list):  # pydantic validation errors: [{"loc": [...], "msg": "..."}]
        texts = []
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("msg"), str):
                loc = item.get("loc")
                where = ".".join(str(x) for x in loc) if isinstance(loc, list) else ""
                texts.append(f"{where}: {item['msg']}" if where else item["msg"])
        return "; ".join(texts) or None
    return None


def as_object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def token_count(value: Any, who: str, name: str) -> int:
    """A usage count: absent or null is 0, anything but a non-negative integer is malformed."""
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise malformed(f"usage {name} is not a token count", who)
    return value


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""
