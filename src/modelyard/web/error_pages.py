"""Errors of browser paths as pages in the UI's own look (404, 403, 405, 400, 500), in the
reader's language; ``/api``, ``/v1`` and ``/scim`` paths keep the JSON errors of
``admin_api.error_handlers``, which this module falls back to.

Installed on the web UI's app after the JSON handlers, whose handlers it wraps.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import ModelyardError
from modelyard.request_ids import HEADER, request_id_of
from modelyard.web import auth
from modelyard.web.i18n import texts
from modelyard.web.layout import page_language
from modelyard.web.pages import render

__all__ = ["error_page", "install", "is_browser_path"]

log = logging.getLogger(__name__)

API_PREFIXES = ("/api", "/v1", "/scim")
KNOWN = (400, 403, 404, 405, 500)

Handler = Callable[[Request, Exception], Awaitable[Response]]
Fallback = Callable[[Request, Any], Response | Awaitable[Response]]


def is_browser_path(path: str) -> bool:
    """Every path but the APIs' (``/api``, ``/v1``, ``/scim`` and what is under them)."""
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def _reader(request: Request) -> object | None:
    """The signed-in user when there is one (the page then has the navigation), else None."""
    try:
        return auth.signed_in(request)
    except Exception:  # signed out, or the database is what failed: a page without navigation
        return None


def error_page(
    request: Request,
    status: int,
    *,
    message: str | None = None,
    message_key: str | None = None,
    headers: dict[str, str] | None = None,
    look_up_user: bool = True,
) -> Response:
    """The error page for ``status``: its title and explanation (or the label
    ``message_key``), or ``message`` when the error came with one meant for people (a
    ``ModelyardError``'s)."""
    user = _reader(request) if look_up_user else None
    labels = texts(page_language(request, user))
    kind = status if status in KNOWN else (500 if status >= 500 else 0)
    title = labels.get(f"error_{kind}_title", labels["error_generic_title"])
    text = message or labels.get(message_key or f"error_{kind}_text", "")
    request_id = request_id_of(request.scope) if status >= 500 else None
    context = {
        "status": status,
        "status_text": labels["error_status"].format(status=status),
        "title": title,
        "text": text,
        "request_id": request_id,
        "home": labels["error_home"],
        "sign_in": labels["error_sign_in"],
        "login_url": auth.login_url(request),
    }
    response = render(request, "error.html", context, status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if request_id:
        response.headers[HEADER] = request_id
    return response


def _wrap(fallback: Fallback | None, page: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_browser_path(request.url.path) or fallback is None:
            return await page(request, exc)
        answer = fallback(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return handle


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    return error_page(request, exc.status_code, headers=headers)


async def _invalid_address(request: Request, _exc: Exception) -> Response:
    return error_page(request, 400)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ModelyardError)
    return error_page(request, exc.status, message=exc.message)


async def _internal_error(request: Request, _exc: Exception) -> Response:
    """A bug: the page names the request id; the traceback goes to the log (Starlette
    re-raises after this answer)."""
    log.error(
        "500 on %s %s (request %s)", request.method, request.url.path, request_id_of(request.scope)
    )
    return error_page(request, 500, look_up_user=False)


def install(app: FastAPI) -> None:
    for kind, page in (
        (StarletteHTTPException, _http_error),
        (RequestValidationError, _invalid_address),
        (ModelyardError, _domain_error),
        (Exception, _internal_error),
    ):
        fallback = app.exception_handlers.get(kind)
        app.add_exception_handler(kind, _wrap(fallback, page))
