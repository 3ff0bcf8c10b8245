"""The building blocks of the ``/v1`` OpenAPI document, shared by the Chat Completions part
(:mod:`.openapi_v1`) and the inbound formats' parts (``responses/openapi.py``)."""

from __future__ import annotations

from typing import Any

from modelyard.openapi_errors import error_responses

PREFIX = "V1"  # component names are prefixed, apart from the admin API's schemas
# What any call that reaches a model can end in; ``GET /v1/models`` only authenticates.
CALL_ERRORS = (400, 401, 403, 404, 413, 422, 429, 500, 502, 503, 504)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{PREFIX}{name}"}


def json_content(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": ref(name)}}


def operation(
    operation_id: str,
    summary: str,
    ok: dict[str, Any],
    errors: tuple[int, ...] = CALL_ERRORS,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A gateway operation: bearer auth, ``ok`` as the 200's content, the error answers."""
    described: dict[str, Any] = {
        "tags": ["gateway (OpenAI-compatible)"],
        "operationId": operation_id,
        "summary": summary,
        "security": [{"bearer": []}],
        "responses": {"200": {"description": "OK", "content": ok}, **error_responses(*errors)},
    }
    if body is not None:
        described["requestBody"] = {"required": True, "content": body}
    return described
