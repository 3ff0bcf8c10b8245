"""Reading JSON bodies and writing JSON responses on the gateway's hot path."""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import BadRequest, ModelyardError, RateLimited

MAX_BODY_BYTES = 32 * 1024 * 1024


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest("The request body is larger than 32 MB.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(payload), status, headers, media_type="application/json")


def error_response(error: ModelyardError) -> Response:
    """The OpenAI-shaped error body with its status (and ``retry-after`` for limits)."""
    headers = None
    if isinstance(error, RateLimited):
        headers = {"retry-after": str(max(1, math.ceil(error.retry_after)))}
    return json_response(error.body(), error.status, headers)
