"""Refusals in Anthropic's error shape: ``{"type": "error", "error": {"type", "message"},
"request_id"}``, with the status, ``retry-after`` and ``www-authenticate`` the gateway's other
errors carry (the anthropic SDK maps the status to its exception, Claude Code reads the type)."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.responses import Response

from modelyard.errors import INTERNAL_MESSAGE, ModelyardError
from modelyard.gateway.http_io import error_response

log = logging.getLogger(__name__)

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    408: "invalid_request_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    503: "overloaded_error",
    529: "overloaded_error",
}


def error_type(status: int) -> str:
    return _TYPES.get(status, "api_error")


def body(error_kind: str, message: str, request_id: str | None) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_kind, "message": message},
        "request_id": request_id,
    }


def response(error: ModelyardError, request_id: str | None, *, detailed: bool = False) -> Response:
    """The error as Anthropic answers it; the same status and headers as the OpenAI shape's.
    ``detailed`` (admins and owners) shows the internals behind the message."""
    plain = error_response(error)  # logs the detail, sets retry-after / www-authenticate
    message = error.admin_message if detailed else error.message
    plain.body = orjson.dumps(body(error_type(error.status), message, request_id))
    plain.headers["content-length"] = str(len(plain.body))
    if request_id:
        plain.headers["request-id"] = request_id
    return plain


def internal(request_id: str | None) -> Response:
    """A bug's 500, without its traceback (that is in the log, under the request id)."""
    payload = orjson.dumps(body("api_error", INTERNAL_MESSAGE, request_id))
    return Response(payload, 500, media_type="application/json")


def stream_event(error: ModelyardError) -> bytes:
    """An upstream failure mid-stream: ``event: error`` (the status is already 200)."""
    if error.detail:
        log.warning("messages stream ended with an error: %s", error.admin_message)
    data = {"type": "error", "error": {"type": error_type(error.status), "message": error.message}}
    return b"event: error\ndata: " + orjson.dumps(data) + b"\n\n"
