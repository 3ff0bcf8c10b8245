"""``create_app(settings)``: one ASGI app with the admin API (and, later, gateway and web UI).

The lifespan owns the long-lived parts (database engine, secret box); nothing is global.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from modelyard import __version__
from modelyard.admin_api import (
    assistant_routes,
    catalog_routes,
    error_handlers,
    key_routes,
    model_routes,
    system_routes,
    user_routes,
)
from modelyard.services import Services
from modelyard.settings import Settings
from modelyard.workspace.catalog_store import ensure_stored


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the app; pass ``services`` to share an already-built set (tests, CLI)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = services is None
        built = services or Services.build(settings)
        with built.session() as session:
            ensure_stored(session)
        app.state.services = built
        try:
            yield
        finally:
            if own:
                built.close()

    app = FastAPI(
        title="Modelyard",
        version=__version__,
        summary="Bring-your-own-key model hub with an OpenAI-compatible gateway",
        lifespan=lifespan,
    )
    error_handlers.install(app)
    for module in (
        system_routes,
        catalog_routes,
        key_routes,
        model_routes,
        user_routes,
        assistant_routes,
    ):
        app.include_router(module.router)
    return app
