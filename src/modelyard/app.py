"""``create_app(settings)``: one ASGI app with the admin API (and, later, gateway and web UI).

The lifespan owns the long-lived parts (database engine, secret box); nothing is global.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
from modelyard.gateway.app import create_gateway
from modelyard.gateway.context import gateway_context
from modelyard.services import Services
from modelyard.settings import Settings
from modelyard.web import install as install_web_ui
from modelyard.workspace.catalog_store import ensure_stored

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


class Modelyard:
    """The ASGI app uvicorn runs: ``/v1/...`` goes straight to the gateway, past FastAPI's
    middleware, routing and dependency machinery (the gateway is the hot path, the admin API
    is not); everything else, lifespan included, to the FastAPI app in ``admin``."""

    def __init__(self, admin: FastAPI) -> None:
        self.admin = admin
        self._gateway: ASGIApp | None = None

    @property
    def state(self) -> State:
        return self.admin.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/"):
            gateway = self._gateway
            if gateway is None:  # built on first use, from the services the lifespan created
                gateway = self._gateway = create_gateway(gateway_context(self.admin.state.services))
            await gateway(scope, receive, send)
        else:
            await self.admin(scope, receive, send)


def create_app(settings: Settings, services: Services | None = None) -> Modelyard:
    """Build the app; pass ``services`` to share an already-built set (tests, CLI)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = services is None
        built = services or Services.build(settings)
        with built.session() as session:
            ensure_stored(session)
        app.state.services = built
        built.config.start()
        await built.router.limits.start()
        # Usage left in journals by a process that was killed is stored before we serve.
        await built.meter.replay()
        built.meter.start()
        try:
            yield
        finally:
            # uvicorn runs this only after in-flight requests finished: their records are queued.
            await built.meter.stop()
            await built.router.limits.close()
            await built.config.stop()
            await built.upstream.close()
            if own:
                built.close()

    app = FastAPI(
        title="Modelyard",
        version=__version__,
        summary="Bring-your-own-key model hub with an OpenAI-compatible gateway",
        lifespan=lifespan,
    )
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
    return Modelyard(app)
