"""The admin API and the web UI, two FastAPI apps built by the main app on first use.

Importing FastAPI, the routes and their pydantic schemas and building the app takes a good part
of a second and some 12 MiB: a gateway replica that never serves an admin page need not pay
for it, and ``modelyard serve`` answers ``/healthz`` and ``/v1`` before it is ready. The web
UI (its pages, Jinja and the templates: about 3 MiB more) is a second app over the same state,
built only when a page is asked for, so a process configured through the API alone never loads
it. The paths they answer do not overlap (see :func:`modelyard.app.serves_api`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard import __version__
from modelyard.admin_api import error_handlers
from modelyard.request_ids import RequestIds

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POSTs that change no configuration: searching a collection, testing a model.
_READ_ONLY_ACTIONS = ("/search", "/test")


class _ReloadConfigAfterChanges:
    """After a successful admin change through ``/api``, drop the gateway's cached configuration
    so the very next call sees it (other processes notice within a second). Plain ASGI: other
    paths pass straight through at no cost."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in _READ_METHODS
            or not scope["path"].startswith("/api/")
            or scope["path"].endswith(_READ_ONLY_ACTIONS)
        ):
            await self.app(scope, receive, send)
            return

        async def watch(message: Message) -> None:
            # Before the caller hears of the change: their next call must already see it.
            if message["type"] == "http.response.start" and message["status"] < 400:
                scope["app"].state.services.config.invalidate()
            await send(message)

        await self.app(scope, receive, watch)


def _fastapi(state: State, **options: Any) -> FastAPI:
    app = FastAPI(
        title="Modelyard",
        version=__version__,
        summary="Bring-your-own-key model hub with an OpenAI-compatible gateway",
        **options,
    )
    app.state = state
    error_handlers.install(app)
    return app


def build_api_app(state: State) -> FastAPI:
    """The FastAPI app of ``/api`` and the API's documentation (``/docs``, ``/openapi.json``),
    sharing the main app's ``state`` (its ``services``). Its own lifespan holds only what its
    routers add; the main app enters it once the app is built."""
    from modelyard.admin_api import (
        assistant_routes,
        audit_routes,
        budget_routes,
        catalog_routes,
        group_routes,
        invite_routes,
        key_routes,
        knowledge_routes,
        lifecycle_routes,
        model_routes,
        openapi,
        scim_token_routes,
        system_routes,
        usage_routes,
        user_routes,
    )

    app = _fastapi(state)
    error_handlers.install_internal_errors(app)
    app.add_middleware(_ReloadConfigAfterChanges)
    app.add_middleware(RequestIds)  # outermost of ours: every answer carries x-request-id
    for module in (
        system_routes,
        catalog_routes,
        key_routes,
        lifecycle_routes,  # before model_routes: /api/models/lifecycle is not a model id
        model_routes,
        user_routes,
        group_routes,
        assistant_routes,
        usage_routes,
        knowledge_routes,
        audit_routes,
        budget_routes,
        scim_token_routes,
        invite_routes,
    ):
        app.include_router(module.router)
    openapi.install(app)  # after every router: it declares what each route can answer
    return app


def build_web_app(state: State) -> FastAPI:
    """The FastAPI app of the web UI's pages and static files (every path the API does not
    answer, unknown ones included), with the same error handlers and ``state``; no OpenAPI
    documentation of its own (its pages are not in the API's schema either)."""
    from modelyard.web import install as install_web_ui

    app = _fastapi(state, openapi_url=None)
    install_web_ui(app)
    return app
