"""The server-rendered web UI over the same workspace services as the admin API.

``install(app)`` adds its pages, its static files and the handlers that turn its guards into
pages (a redirect to sign-in, a 403 for members and for forms without a CSRF token), and the
browser-hardening headers (``security_headers``).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from modelyard.request_ids import RequestIds
from modelyard.web import (
    audit_pages,
    auth,
    budget_pages,
    error_pages,
    group_pages,
    identity_pages,
    invite_pages,
    key_pages,
    knowledge_pages,
    layout,
    lifecycle_pages,
    member_pages,
    model_detail_pages,
    model_pages,
    oidc_pages,
    playground,
    usage_pages,
    user_pages,
)
from modelyard.web.login_throttle import LoginThrottle
from modelyard.web.pages import HERE, templates
from modelyard.web.security_headers import SecurityHeadersMiddleware
from modelyard.web.wizard import router as wizard_router

__all__ = ["install"]


async def _login_required(request: Request, _exc: Exception) -> Response:
    return auth.login_redirect(request)  # sign-in comes back to this page afterwards


async def _admin_required(request: Request, _exc: Exception) -> Response:
    return error_pages.error_page(request, 403, message_key="error_403_admin")


async def _csrf_refused(request: Request, _exc: Exception) -> Response:
    return error_pages.error_page(request, 403, message_key="error_403_csrf")


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (
        auth,
        model_pages,
        model_detail_pages,
        lifecycle_pages,
        key_pages,
        usage_pages,
        knowledge_pages,
        group_pages,
        budget_pages,
        member_pages,
        playground,
        audit_pages,
        user_pages,
        invite_pages,
        oidc_pages,
        identity_pages,
    ):
        app.include_router(module.router)
    app.include_router(wizard_router)
    layout.install(templates.env)  # base.html's navigation, labels and notices
    error_pages.install(app)  # HTML error pages for browser paths (after the JSON handlers)
    app.add_exception_handler(auth.LoginRequired, _login_required)
    app.add_exception_handler(auth.AdminRequired, _admin_required)
    app.add_exception_handler(auth.CsrfRefused, _csrf_refused)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestIds)  # pages' answers and audit rows carry x-request-id too
    app.state.login_throttle = LoginThrottle()  # failed sign-ins of this process
