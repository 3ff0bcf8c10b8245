"""The ``/v1`` routes in OpenAPI, merged into the admin API's ``/openapi.json``.

Hand-kept, because the gateway is bare ASGI (no FastAPI to generate it): OpenAI's own schemas
(``../shared/api-specs/openai-openapi.yaml``: ``CreateChatCompletionRequest``,
``CreateEmbeddingRequest``, ``CreateImageRequest``, ``CreateImageEditRequest``) trimmed to the
fields the gateway reads, with the bounds it enforces. A field the gateway ignores is left out
rather than described wrongly; unknown fields stay allowed, as in OpenAI's API. When a route or
a field is added to the gateway, it is added here (``tests/gateway/test_openapi_v1.py`` checks
that every route of ``Gateway.routes`` is documented).
"""

from __future__ import annotations

from typing import Any

from modelyard.gateway.messages import openapi as messages_openapi
from modelyard.gateway.openapi_parts import PREFIX as _P
from modelyard.gateway.openapi_parts import json_content as _json
from modelyard.gateway.openapi_parts import operation as _operation
from modelyard.gateway.openapi_parts import ref as _ref
from modelyard.gateway.responses import openapi as responses_openapi


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Also ``null`` (read as absent), as OpenAI's spec allows for optional fields."""
    return {"anyOf": [schema, {"type": "null"}]}


_TEXT_PART: dict[str, Any] = {
    "type": "object",
    "required": ["type", "text"],
    "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
}
_IMAGE_PART: dict[str, Any] = {
    "type": "object",
    "required": ["type", "image_url"],
    "properties": {
        "type": {"const": "image_url"},
        "image_url": {
            "type": "object",
            "required": ["url"],
            "properties": {
                "url": {"type": "string", "pattern": "^(https?://|data:image/)"},
                "detail": {"enum": ["auto", "low", "high"]},
            },
        },
    },
}
_TEXT_CONTENT: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": _TEXT_PART}]
}
_TOOL_CALL: dict[str, Any] = {
    "type": "object",
    "required": ["id", "type", "function"],
    "properties": {
        "id": {"type": "string"},
        "type": {"const": "function"},
        "function": {
            "type": "object",
            "required": ["name", "arguments"],
            "properties": {"name": {"type": "string"}, "arguments": {"type": "string"}},
        },
    },
}


def _message(role: list[str], content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    required = ["role", "content", *extra.pop("required", [])]
    return {
        "type": "object",
        "required": required,
        "properties": {
            "role": {"enum": role},
            "content": content,
            "name": {"type": "string"},
            **extra,
        },
    }


_INTEGER = {"type": "integer"}
_FILE_PART: dict[str, Any] = {
    "type": "object",
    "required": ["type", "file"],
    "description": "A document (PDF) as file_data (a data: URL); carried to OpenAI-chat and "
    "Gemini models, a 400 naming it for models whose API takes none.",
    "properties": {
        "type": {"const": "file"},
        "file": {
            "type": "object",
            "required": ["file_data"],
            "properties": {"file_data": {"type": "string"}, "filename": {"type": "string"}},
        },
    },
}
_AUDIO_PART: dict[str, Any] = {
    "type": "object",
    "required": ["type", "input_audio"],
    "properties": {
        "type": {"const": "input_audio"},
        "input_audio": {
            "type": "object",
            "required": ["data", "format"],
            "properties": {"data": {"type": "string"}, "format": {"enum": ["wav", "mp3"]}},
        },
    },
}

_MESSAGE: dict[str, Any] = {
    "oneOf": [
        _message(["system", "developer"], _TEXT_CONTENT),
        _message(
            ["user"],
            {
                "anyOf": [
                    {"type": "string"},
                    {
                        "type": "array",
                        "items": {"anyOf": [_TEXT_PART, _IMAGE_PART, _FILE_PART, _AUDIO_PART]},
                    },
                ]
            },
        ),
        {
            "type": "object",
            "required": ["role"],
            "properties": {
                "role": {"const": "assistant"},
                "content": {"anyOf": [_TEXT_CONTENT, {"type": "null"}]},
                "name": {"type": "string"},
                "tool_calls": {"type": "array", "items": _TOOL_CALL},
                "function_call": {"type": "object", "description": "legacy: one tool call"},
            },
        },
        _message(
            ["function"],
            _TEXT_CONTENT,
            required=["name"],
        ),
        _message(
            ["tool"],
            _TEXT_CONTENT,
            tool_call_id={"type": "string", "minLength": 1},
            required=["tool_call_id"],
        ),
    ]
}

_TOOL: dict[str, Any] = {
    "type": "object",
    "required": ["type", "function"],
    "properties": {
        "type": {"const": "function"},
        "function": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                "description": {"type": "string"},
                "parameters": {"type": "object"},
            },
        },
    },
}

_USAGE: dict[str, Any] = {
    "type": "object",
    "required": ["prompt_tokens", "total_tokens"],
    "properties": {
        "prompt_tokens": {"type": "integer"},
        "completion_tokens": {"type": "integer"},
        "total_tokens": {"type": "integer"},
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "ChatCompletionRequest": {
        "type": "object",
        "required": ["messages"],
        "description": "``model`` is a model's slug; without it the caller's default model.",
        "properties": {
            "model": {"type": "string"},
            "messages": {"type": "array", "minItems": 1, "items": _MESSAGE},
            "max_tokens": _nullable({"type": "integer", "minimum": 1}),
            "max_completion_tokens": _nullable({"type": "integer", "minimum": 1}),
            "temperature": _nullable({"type": "number", "minimum": 0, "maximum": 2}),
            "top_p": _nullable({"type": "number", "minimum": 0, "maximum": 1}),
            "n": _nullable(
                {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 128,
                    "description": "more than 1: OpenAI-chat and Gemini models, not streamed",
                }
            ),
            "logprobs": _nullable({"type": "boolean", "description": "not streamed"}),
            "top_logprobs": _nullable({"type": "integer", "minimum": 0, "maximum": 20}),
            "presence_penalty": _nullable({"type": "number", "minimum": -2, "maximum": 2}),
            "frequency_penalty": _nullable({"type": "number", "minimum": -2, "maximum": 2}),
            "logit_bias": _nullable(
                {"type": "object", "additionalProperties": {"type": "integer"}}
            ),
            "functions": {"type": "array", "description": "legacy: taken as tools"},
            "function_call": {"description": "legacy: taken as tool_choice"},
            "metadata": {
                "type": "object",
                "description": "a pure hint, like store, service_tier, prompt_cache_key, "
                "safety_identifier and verbosity: sent to OpenAI and Azure, left out elsewhere",
            },
            "store": _nullable({"type": "boolean"}),
            "stop": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "stream": _nullable({"type": "boolean"}),
            "stream_options": {
                "type": "object",
                "properties": {"include_usage": {"type": "boolean"}},
            },
            "tools": {"type": "array", "items": _TOOL},
            "tool_choice": {
                "anyOf": [
                    {"enum": ["none", "auto", "required"]},
                    {
                        "type": "object",
                        "required": ["type", "function"],
                        "properties": {
                            "type": {"const": "function"},
                            "function": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            },
                        },
                    },
                ]
            },
            "parallel_tool_calls": {"type": "boolean"},
            "response_format": {
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"enum": ["text", "json_object", "json_schema"]},
                    "json_schema": {"type": "object"},
                },
            },
            "reasoning_effort": _nullable({"enum": ["minimal", "low", "medium", "high"]}),
            "seed": _nullable({"type": "integer"}),
            "user": {"type": "string"},
        },
    },
    "ChatCompletion": {
        "type": "object",
        "required": ["id", "object", "created", "model", "choices"],
        "properties": {
            "id": {"type": "string"},
            "object": {"const": "chat.completion"},
            "created": {"type": "integer"},
            "model": {"type": "string"},
            "choices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "message", "finish_reason"],
                    "properties": {
                        "index": {"type": "integer"},
                        "finish_reason": {"type": ["string", "null"]},
                        "logprobs": {"type": ["object", "null"]},
                        "message": {
                            "type": "object",
                            "required": ["role"],
                            "properties": {
                                "role": {"const": "assistant"},
                                "content": {"type": ["string", "null"]},
                                "reasoning_content": {"type": "string"},
                                "tool_calls": {"type": "array", "items": _TOOL_CALL},
                            },
                        },
                    },
                },
            },
            "usage": _USAGE,
        },
    },
    "EmbeddingRequest": {
        "type": "object",
        "required": ["model", "input"],
        "properties": {
            "model": {"type": "string"},
            "input": {
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 2048,
                        "items": {"type": "string", "minLength": 1},
                    },
                    {"type": "array", "minItems": 1, "items": {"type": "integer"}},
                    {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 2048,
                        "items": {"type": "array", "minItems": 1, "items": {"type": "integer"}},
                    },
                ]
            },
            "encoding_format": _nullable({"enum": ["float", "base64"]}),
            "dimensions": _nullable({"type": "integer", "minimum": 1}),
            "user": _nullable({"type": "string"}),
        },
    },
    "EmbeddingList": {
        "type": "object",
        "required": ["object", "data", "model"],
        "properties": {
            "object": {"const": "list"},
            "model": {"type": "string"},
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["object", "index", "embedding"],
                    "properties": {
                        "object": {"const": "embedding"},
                        "index": {"type": "integer"},
                        "embedding": {
                            "anyOf": [
                                {"type": "array", "items": {"type": "number"}},
                                {"type": "string"},
                            ]
                        },
                    },
                },
            },
            "usage": _USAGE,
        },
    },
    "ImageGenerationRequest": {
        "type": "object",
        "required": ["model", "prompt"],
        "properties": {
            "model": {"type": "string"},
            "prompt": {"type": "string", "pattern": "\\S"},
            "n": {"type": "integer", "minimum": 1, "maximum": 10},
            "size": _nullable({"type": "string"}),
            "quality": _nullable({"type": "string"}),
            "response_format": _nullable({"enum": ["url", "b64_json"]}),
            "background": _nullable({"type": "string"}),
            "output_format": _nullable({"type": "string"}),
            "user": _nullable({"type": "string"}),
        },
    },
    "ImageEditRequest": {
        "type": "object",
        "required": ["model", "prompt", "image"],
        "properties": {
            "image": {"type": "string", "format": "binary", "minLength": 1},
            "mask": {"type": "string", "format": "binary", "minLength": 1},
            "model": {"type": "string"},
            "prompt": {"type": "string", "pattern": "\\S"},
            "n": {"type": "integer", "minimum": 1, "maximum": 10},
            "size": {"type": "string"},
            "quality": {"type": "string"},
            "response_format": {"enum": ["url", "b64_json"]},
            "user": {"type": "string"},
        },
    },
    "ImagesResponse": {
        "type": "object",
        "required": ["created", "data"],
        "properties": {
            "created": {"type": "integer"},
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string"},
                        "b64_json": {"type": "string"},
                        "revised_prompt": {"type": "string"},
                    },
                },
            },
        },
    },
    "ModelList": {
        "type": "object",
        "required": ["object", "data"],
        "properties": {
            "object": {"const": "list"},
            "data": {"type": "array", "items": _ref("Model")},
        },
    },
    "Model": {
        "type": "object",
        "required": ["id", "object", "created", "owned_by", "kind"],
        "description": "OpenAI's model object plus Modelyard's own fields.",
        "properties": {
            "id": {"type": "string", "description": "the slug to call it by"},
            "object": {"const": "model"},
            "created": {"type": "integer"},
            "owned_by": {"type": "string"},
            "kind": {"enum": ["completion", "image", "embedding", "assistant"]},
            "display_name": {"type": "string"},
            "region": {"type": ["string", "null"]},
            "capabilities": {"type": "object"},
        },
    },
}

_SSE = {
    "text/event-stream": {
        "schema": {"type": "string", "description": "chat.completion.chunk events, then [DONE]"}
    }
}

PATHS: dict[str, dict[str, Any]] = {
    "/v1/models": {
        "get": _operation(
            "v1_list_models",
            "The models and assistants the caller may use",
            _json("ModelList"),
            errors=(401, 500),
        )
    },
    "/v1/models/{model}": {
        "get": {
            **_operation(
                "v1_retrieve_model",
                "One model or assistant, as in the list (404 when the caller may not use it)",
                _json("Model"),
                errors=(401, 404, 500),
            ),
            "parameters": [
                {"name": "model", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
        }
    },
    "/v1/chat/completions": {
        "post": _operation(
            "v1_chat_completions",
            "Chat Completions (streamed as server-sent events when stream is true)",
            {**_json("ChatCompletion"), **_SSE},
            body=_json("ChatCompletionRequest"),
        )
    },
    "/v1/embeddings": {
        "post": _operation(
            "v1_embeddings", "Embeddings", _json("EmbeddingList"), body=_json("EmbeddingRequest")
        )
    },
    "/v1/images/generations": {
        "post": _operation(
            "v1_image_generations",
            "Image generation",
            _json("ImagesResponse"),
            body=_json("ImageGenerationRequest"),
        )
    },
    "/v1/images/edits": {
        "post": _operation(
            "v1_image_edits",
            "Image edits (models with image editing on)",
            _json("ImagesResponse"),
            body={
                "multipart/form-data": {
                    "schema": _ref("ImageEditRequest"),
                    "encoding": {
                        "image": {"contentType": "image/png"},
                        "mask": {"contentType": "image/png"},
                    },
                }
            },
        )
    },
}


PATHS.update(messages_openapi.PATHS)
SCHEMAS.update(messages_openapi.SCHEMAS)
PATHS.update(responses_openapi.PATHS)
SCHEMAS.update(responses_openapi.SCHEMAS)


def merge_into(document: dict[str, Any]) -> None:
    """Add the ``/v1`` paths and their schemas to an OpenAPI document (in place)."""
    document.setdefault("paths", {}).update(PATHS)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update({_P + name: schema for name, schema in SCHEMAS.items()})
