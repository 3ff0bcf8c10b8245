"""Pieces every Gemini translator shares: JSON loading, errors, media types, JSON schemas."""

from __future__ import annotations

import math
from typing import Any, NoReturn

import orjson

from modelyard.providers.base import UpstreamProtocolError

PROVIDER = "Gemini"
SIGNATURE_TAG = "gemini-ts:"
"""Prefix of a tool call's ``provider_data`` holding a ``thoughtSignature`` (see ToolCall)."""
DEFAULT_IMAGE_TYPE = "image/jpeg"

_IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "heic": "image/heic",
    "heif": "image/heif",
}

# The keys of Gemini's own (OpenAPI-subset) ``Schema`` object. A JSON schema that uses only these
# goes in ``parameters`` / ``responseSchema``; any other goes in the ``...JsonSchema`` twin field,
# which takes full JSON Schema ($ref, additionalProperties, oneOf, type arrays...).
_SCHEMA_KEYS = frozenset(
    {
        "type",
        "format",
        "title",
        "description",
        "nullable",
        "enum",
        "items",
        "minItems",
        "maxItems",
        "properties",
        "required",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "example",
        "anyOf",
        "propertyOrdering",
        "default",
        "minimum",
        "maximum",
    }
)


def malformed(reason: str) -> NoReturn:
    raise UpstreamProtocolError(f"{PROVIDER} sent a malformed response: {reason}")


def load_object(body: bytes | str) -> dict[str, Any]:
    """A JSON object, or :class:`UpstreamProtocolError`."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        malformed("invalid JSON")
    if not isinstance(document, dict):
        malformed("not a JSON object")
    return document


def error_message(body: bytes) -> str | None:
    """The message of Google's ``{"error": {"code", "message", "status"}}`` body.

    Without ``alt=sse`` a stream's error comes as a one-element JSON array; that is read too.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(document, list) and document:
        document = document[0]
    error = document.get("error") if isinstance(document, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) and message else None


def image_type(name: str, default: str = DEFAULT_IMAGE_TYPE) -> str:
    """The image media type of a file name or URL, from its extension."""
    path = name.split("?", 1)[0].split("#", 1)[0]
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return _IMAGE_TYPES.get(extension, default)


def count(document: dict[str, Any], key: str) -> int:
    """A token count of ``usageMetadata``: absent means 0 (Gemini leaves out zeros)."""
    value = document.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        malformed(f"usageMetadata.{key} is not a count")
    return value


def is_simple_schema(schema: Any) -> bool:
    """True when ``schema`` only uses what Gemini's own ``Schema`` object understands."""
    if not isinstance(schema, dict) or not set(schema) <= _SCHEMA_KEYS:
        return False
    if "type" in schema and not isinstance(schema["type"], str):
        return False
    properties = schema.get("properties", {})
    if not isinstance(properties, dict) or not all(
        is_simple_schema(p) for p in properties.values()
    ):
        return False
    if "items" in schema and not is_simple_schema(schema["items"]):
        return False
    any_of = schema.get("anyOf", [])
    return isinstance(any_of, list) and all(is_simple_schema(s) for s in any_of)


def has_parameters(schema: dict[str, Any]) -> bool:
    """False for ``{}`` and an object schema without properties (Gemini wants those left out)."""
    if not schema:
        return False
    if schema.get("type") not in ("object", "OBJECT") or schema.get("properties"):
        return True
    return bool(schema.get("additionalProperties")) or any(
        key in schema for key in ("anyOf", "oneOf", "allOf", "$ref")
    )


def estimate_tokens(text: str) -> int:
    """``ceil(chars / 4)``: the usual estimate where Gemini reports no usage."""
    return math.ceil(len(text) / 4)
