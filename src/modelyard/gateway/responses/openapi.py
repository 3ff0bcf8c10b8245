"""``/v1/responses`` and ``/v1/responses/{response_id}`` in the OpenAPI document (merged by
:mod:`modelyard.gateway.openapi_v1`); errors in OpenAI's shape, as the rest of ``/v1``."""

from __future__ import annotations

from typing import Any

from modelyard.gateway.openapi_parts import json_content as _json
from modelyard.gateway.openapi_parts import operation as _operation

_ITEM = {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}


SCHEMAS: dict[str, dict[str, Any]] = {
    "ResponseRequest": {
        "type": "object",
        "required": ["input"],
        "description": "OpenAI's Responses API. Pure hints (metadata, prompt_cache_key, "
        "service_tier, truncation, safety_identifier, text.verbosity) reach the upstreams that "
        "know them and are left out elsewhere.",
        "properties": {
            "model": {"type": "string", "description": "a model or assistant slug"},
            "input": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "array",
                        "minItems": 1,
                        "description": "message, function_call, function_call_output and "
                        "reasoning items",
                        "items": {"type": "object"},
                    },
                ]
            },
            "instructions": {"type": "string"},
            "tools": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "name"],
                    "properties": {
                        "type": {"enum": ["function"]},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "parameters": {"type": "object"},
                        "strict": {"type": "boolean"},
                    },
                },
            },
            "tool_choice": {"oneOf": [{"enum": ["auto", "none", "required"]}, {"type": "object"}]},
            "parallel_tool_calls": {"type": "boolean"},
            "text": {"type": "object", "properties": {"format": {"type": "object"}}},
            "reasoning": {
                "type": "object",
                "properties": {"effort": {"type": "string"}, "summary": {"type": "string"}},
            },
            "max_output_tokens": {"type": "integer", "minimum": 1},
            "temperature": {"type": "number", "minimum": 0, "maximum": 2},
            "top_p": {"type": "number", "minimum": 0, "maximum": 1},
            "stream": {"type": "boolean"},
            "store": {"type": "boolean", "default": True},
            "previous_response_id": {"type": "string"},
            "include": {"type": "array", "items": {"type": "string"}},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "prompt_cache_key": {"type": "string"},
            "service_tier": {"type": "string"},
            "truncation": {"enum": ["auto", "disabled"]},
            "user": {"type": "string"},
            "safety_identifier": {"type": "string"},
        },
    },
    "Response": {
        "type": "object",
        "required": ["id", "object", "created_at", "status", "model", "output"],
        "properties": {
            "id": {"type": "string", "pattern": "^resp_"},
            "object": {"const": "response"},
            "created_at": {"type": "integer"},
            "status": {"enum": ["completed", "incomplete", "failed", "in_progress"]},
            "model": {"type": "string"},
            "output": {"type": "array", "items": _ITEM},
            "previous_response_id": {"type": ["string", "null"]},
            "usage": {
                "type": ["object", "null"],
                "properties": {
                    "input_tokens": {"type": "integer"},
                    "output_tokens": {"type": "integer"},
                    "total_tokens": {"type": "integer"},
                    "input_tokens_details": {"type": "object"},
                    "output_tokens_details": {"type": "object"},
                },
            },
        },
    },
    "ResponseDeleted": {
        "type": "object",
        "required": ["id", "object", "deleted"],
        "properties": {
            "id": {"type": "string"},
            "object": {"const": "response"},
            "deleted": {"const": True},
        },
    },
    "ResponseInputItems": {
        "type": "object",
        "required": ["object", "data", "first_id", "last_id", "has_more"],
        "properties": {
            "object": {"const": "list"},
            "data": {"type": "array", "items": {"type": "object", "required": ["id", "type"]}},
            "first_id": {"type": ["string", "null"]},
            "last_id": {"type": ["string", "null"]},
            "has_more": {"type": "boolean"},
        },
    },
}


_SSE = {
    "text/event-stream": {
        "schema": {
            "type": "string",
            "description": "Responses events (response.created ... response.completed), each "
            "with its sequence_number",
        }
    }
}
_ID = {"name": "response_id", "in": "path", "required": True, "schema": {"type": "string"}}

PATHS: dict[str, dict[str, Any]] = {
    "/v1/responses": {
        "post": _operation(
            "v1_create_response",
            "Responses API (streamed as server-sent events when stream is true); stored for "
            "the caller unless store is false",
            {**_json("Response"), **_SSE},
            body=_json("ResponseRequest"),
        )
    },
    "/v1/responses/{response_id}": {
        "get": {
            **_operation(
                "v1_retrieve_response",
                "One of the caller's stored responses (404 for another user's)",
                _json("Response"),
                errors=(401, 404, 500),
            ),
            "parameters": [_ID],
        },
        "delete": {
            **_operation(
                "v1_delete_response",
                "Delete one of the caller's stored responses (404 for another user's)",
                _json("ResponseDeleted"),
                errors=(401, 404, 500),
            ),
            "parameters": [_ID],
        },
    },
    "/v1/responses/{response_id}/input_items": {
        "get": {
            **_operation(
                "v1_list_response_input_items",
                "The items one of the caller's stored responses was answered from (earlier "
                "turns included), paged by after and limit, newest first unless order=asc",
                _json("ResponseInputItems"),
                errors=(400, 401, 404, 500),
            ),
            "parameters": [
                _ID,
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
                {
                    "name": "order",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["asc", "desc"], "default": "desc"},
                },
                {"name": "after", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "include",
                    "in": "query",
                    "schema": {"type": "array", "items": {"type": "string"}},
                },
            ],
        },
    },
}
