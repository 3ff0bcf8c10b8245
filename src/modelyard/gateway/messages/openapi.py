"""``/v1/messages`` and ``/v1/messages/count_tokens`` in the OpenAPI document (merged by
:mod:`modelyard.gateway.openapi_v1`); errors in Anthropic's shape, as this path answers them."""

from __future__ import annotations

from typing import Any

from modelyard.gateway.messages.errors import error_type


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/V1{name}"}


_BLOCKS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"enum": ["text", "image", "tool_use", "tool_result", "thinking"]},
            "cache_control": {"type": "object"},
        },
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "MessagesRequest": {
        "type": "object",
        "required": ["model", "max_tokens", "messages"],
        "description": "Anthropic's Messages API. Unknown fields (context_management ...) are "
        "hints: left out where the upstream does not know them.",
        "properties": {
            "model": {"type": "string", "description": "a model or assistant slug"},
            "max_tokens": {"type": "integer", "minimum": 1},
            "system": {"oneOf": [{"type": "string"}, _BLOCKS]},
            "messages": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["role", "content"],
                    "properties": {
                        "role": {"enum": ["user", "assistant"]},
                        "content": {"oneOf": [{"type": "string"}, _BLOCKS]},
                    },
                },
            },
            "tools": {"type": "array", "items": {"type": "object"}},
            "tool_choice": {"type": "object"},
            "thinking": {"type": "object"},
            "stop_sequences": {"type": "array", "items": {"type": "string"}},
            "temperature": {"type": "number", "minimum": 0, "maximum": 1},
            "top_p": {"type": "number", "minimum": 0, "maximum": 1},
            "top_k": {"type": "integer", "minimum": 1},
            "metadata": {"type": "object"},
            "stream": {"type": "boolean"},
        },
    },
    "Message": {
        "type": "object",
        "required": ["id", "type", "role", "model", "content", "stop_reason", "usage"],
        "properties": {
            "id": {"type": "string"},
            "type": {"const": "message"},
            "role": {"const": "assistant"},
            "model": {"type": "string"},
            "content": _BLOCKS,
            "stop_reason": {
                "enum": ["end_turn", "max_tokens", "tool_use", "stop_sequence", "refusal"]
            },
            "stop_sequence": {"type": ["string", "null"]},
            "usage": {
                "type": "object",
                "required": ["input_tokens", "output_tokens"],
                "properties": {
                    "input_tokens": {"type": "integer"},
                    "output_tokens": {"type": "integer"},
                    "cache_read_input_tokens": {"type": "integer"},
                    "cache_creation_input_tokens": {"type": "integer"},
                },
            },
        },
    },
    "TokenCount": {
        "type": "object",
        "required": ["input_tokens"],
        "properties": {"input_tokens": {"type": "integer"}},
    },
    "AnthropicError": {
        "type": "object",
        "required": ["type", "error"],
        "properties": {
            "type": {"const": "error"},
            "error": {
                "type": "object",
                "required": ["type", "message"],
                "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
            },
            "request_id": {"type": ["string", "null"]},
        },
    },
}

_ERRORS = (400, 401, 403, 404, 413, 429, 500, 502, 503, 504)


def _operation(operation_id: str, summary: str, ok: dict[str, Any], body: str) -> dict[str, Any]:
    errors = {
        str(status): {
            "description": error_type(status),
            "content": {"application/json": {"schema": _ref("AnthropicError")}},
        }
        for status in _ERRORS
    }
    return {
        "tags": ["gateway (Anthropic-compatible)"],
        "operationId": operation_id,
        "summary": summary,
        "description": "The key as x-api-key or Authorization: Bearer; anthropic-version and "
        "anthropic-beta are accepted.",
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(body)}}},
        "responses": {"200": {"description": "OK", "content": ok}, **errors},
    }


PATHS: dict[str, dict[str, Any]] = {
    "/v1/messages": {
        "post": _operation(
            "v1_messages",
            "Anthropic Messages (streamed as Anthropic's events when stream is true)",
            {
                "application/json": {"schema": _ref("Message")},
                "text/event-stream": {
                    "schema": {"type": "string", "description": "message_start ... message_stop"}
                },
            },
            "MessagesRequest",
        )
    },
    "/v1/messages/count_tokens": {
        "post": _operation(
            "v1_messages_count_tokens",
            "The prompt's token count (the hub's estimate; no upstream call)",
            {"application/json": {"schema": _ref("TokenCount")}},
            "MessagesRequest",
        )
    },
}
