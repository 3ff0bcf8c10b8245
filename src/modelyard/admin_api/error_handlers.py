"""Every error leaves in OpenAI's error shape, naming the offending field in ``param``; a bug
leaves as a 500 in the same shape with the request id, its traceback only in the log."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from modelyard.admin_api.openapi import allowed_methods
from modelyard.errors import ModelyardError, internal_error_body
from modelyard.gateway.http_io import WWW_AUTHENTICATE, error_response
from modelyard.json_response import JSONBytesResponse
from modelyard.request_ids import HEADER, request_id_of

log = logging.getLogger(__name__)

_STATUS_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
}


def _body(kind: str, message: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "param": param, "code": code}}


def _field_path(loc: tuple[Any, ...]) -> str | None:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    # pydantic adds the type of a tagged/constrained value as a last element; keep real fields.
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and not part.startswith(("function-", "constrained-")):
            path += f".{part}" if path else part
    return path or None


def _validation_message(error: dict[str, Any], param: str | None) -> str:
    if error.get("type") == "extra_forbidden":
        return f"Unknown field '{param}'."
    if error.get("type") == "missing":
        return f"'{param}' is required."
    if error.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    message = str(error.get("msg", "Invalid value."))
    return f"'{param}': {message}" if param else message


async def _modelyard_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ModelyardError)
    return error_response(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONBytesResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    param = _field_path(tuple(first.get("loc", ())))
    status = 400 if first.get("type") == "json_invalid" else 422
    return JSONBytesResponse(
        _body("invalid_request_error", _validation_message(first, param), param, first.get("type")),
        status_code=status,
    )


async def _http_error(request: Request, exc: Exception) -> JSONBytesResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = _STATUS_TYPES.get(exc.status_code, "api_error")
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    headers = exc.headers
    if exc.status_code == 401 and not any(k.lower() == "www-authenticate" for k in headers or {}):
        headers = {**(headers or {}), "www-authenticate": WWW_AUTHENTICATE}  # RFC 6750 §3
    if exc.status_code == 405 and isinstance(request.app, FastAPI) and request.app.openapi_url:
        allow = allowed_methods(request.app, request.url.path)
        if allow:
            headers = {k: v for k, v in (headers or {}).items() if k.lower() != "allow"}
            headers["allow"] = allow
    return JSONBytesResponse(
        _body(kind, message, None, None), status_code=exc.status_code, headers=headers
    )


async def _internal_error(request: Request, _exc: Exception) -> JSONBytesResponse:
    """Starlette's outermost handler: it sends this, then re-raises for the server to log the
    traceback (after our line naming the request). The request id middleware sits inside it,
    so the header is set here."""
    request_id = request_id_of(request.scope)
    log.error("500 on %s %s (request %s)", request.method, request.url.path, request_id)
    headers = {HEADER: request_id} if request_id else None
    return JSONBytesResponse(internal_error_body(request_id), status_code=500, headers=headers)


async def _unstorable(request: Request, _exc: Exception) -> JSONBytesResponse:
    """The database refused a value (SQLSTATE class 22: a NUL in text, a number too large for
    its column) that no schema stopped: bad input, not a bug; the session rolled back. Names
    the path or query parameter that holds a NUL, when one does (bodies are checked before)."""
    params = {**request.query_params, **request.path_params}
    param = next((name for name, value in params.items() if "\x00" in str(value)), None)
    message = "A value cannot be stored: text may not contain NUL characters and numbers must fit."
    return JSONBytesResponse(
        _body("invalid_request_error", message, param, "unstorable_value"), status_code=422
    )


def install_internal_errors(app: FastAPI) -> None:
    """For the admin API (the web UI answers its own bugs with a page)."""
    app.add_exception_handler(DataError, _unstorable)
    app.add_exception_handler(Exception, _internal_error)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ModelyardError, _modelyard_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
