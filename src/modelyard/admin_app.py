"""The admin API and web UI as one FastAPI app, built by the main app on first use.

Importing FastAPI, the routes and their pydantic schemas and building the app takes a good part
of a second and some 20 MiB: a gateway replica that never serves an admin page need not pay
for it, and ``modelyard serve`` answers ``/healthz`` and ``/v1`` before it is ready.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard import __version__
from modelyard.admin_api import (
    assistant_routes,
    catalog_routes,
    error_handlers,
    key_routes,
    knowledge_routes,
    model_routes,
    system_routes,
    usage_routes,
    user_routes,
)
from modelyard.web import install as install_web_ui

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


def build_admin_app(state: State) -> FastAPI:
    """The FastAPI app of ``/api``, the web UI and ``/healthz``, sharing the main app's
    ``state`` (its ``services``). Its own lifespan holds only what its routers add; the main
    app enters it once the app is built."""
    app = FastAPI(
        title="Modelyard",
        version=__version__,
        summary="Bring-your-own-key model hub with an OpenAI-compatible gateway",
    )
    app.state = state
    error_handlers.install(app)
    app.add_middleware(_ReloadConfigAfterChanges)
    for module in (
        system_routes,
        catalog_routes,
        key_routes,
        model_routes,
        user_routes,
        assistant_routes,
        usage_routes,
        knowledge_routes,
    ):
        app.include_router(module.router)
    install_web_ui(app)
    return app
