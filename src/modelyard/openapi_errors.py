"""The error answers of the HTTP surface as OpenAPI declares them, for ``/api`` and ``/v1`` alike.

One table of what each status means here, one schema of the error body, the headers that always
come with some statuses, and the ``x-request-id`` every answer carries: so both documents say
the same thing, and adding a route costs one line of ``responses``.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA_NAME = "ErrorBody"
ERROR_REF = f"#/components/schemas/{ERROR_SCHEMA_NAME}"

DESCRIPTIONS: dict[int, str] = {
    400: "Malformed request (not JSON, a wrong type or value): the message names the field.",
    401: "No API key, or an unknown, revoked or expired one.",
    403: "The caller's role, rank or API key does not allow this.",
    404: "No such thing, or not one the caller may see.",
    409: "Conflicts with the current state (a name taken, a key still in use, the last owner).",
    413: "The body, a file or an input is over its size limit.",
    415: "The body's content type is not one this route reads.",
    422: "A field fails validation: ``param`` names it.",
    429: "A limit was reached; ``Retry-After`` says when to try again.",
    500: "A bug: the error shape with ``request_id`` (find it in the log), never a traceback.",
    502: "The upstream provider failed.",
    503: "Unavailable now (maintenance, no deployment, the database down).",
    504: "The upstream provider did not answer in time.",
}

REQUEST_ID_HEADER: dict[str, Any] = {
    "description": "The caller's own when it sent 1-128 of A-Za-z0-9._-, else a new one.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"},
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}},
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": ERROR_SCHEMA_NAME,
    "description": "OpenAI's error shape; ``request_id`` only on a 500.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message", "param", "code"],
            "properties": {
                "type": {"type": "string"},
                "message": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        },
        "request_id": {"type": ["string", "null"]},
    },
}


def error_response(status: int) -> dict[str, Any]:
    """The OpenAPI response object of one error status (JSON body, fixed headers)."""
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }
    if status in _HEADERS:
        response["headers"] = dict(_HEADERS[status])
    return response


def error_responses(*statuses: int) -> dict[str, dict[str, Any]]:
    return {str(status): error_response(status) for status in statuses}
