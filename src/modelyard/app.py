"""``create_app(settings)``: the one ASGI app of a Modelyard server.

``/v1/...`` goes straight to the gateway (a bare ASGI app: the hot path); ``GET /healthz`` is
answered here; ``/scim/...`` goes to SCIM provisioning (:mod:`modelyard.scim`, built on first
use); ``/api/...`` and the API's documentation go to the admin API, everything else to the
web UI: two FastAPI apps, each built in a worker thread on first use (see
:mod:`modelyard.admin_app`), so that a server answers its health check and its gateway calls
well within a second of starting, and carries only the parts it was asked to serve.

The lifespan owns the long-lived parts (database engine, secret box); nothing is global.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from sqlalchemy import text
from starlette.datastructures import State
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from modelyard.draining import drain_on_sigterm
from modelyard.errors import ModelyardError
from modelyard.gateway.app import create_gateway
from modelyard.gateway.context import gateway_context
from modelyard.http_guard import BufferedBody, guard_stream, refuse
from modelyard.json_response import JSONBytesResponse
from modelyard.knowledge.runtime import knowledge_lifespan
from modelyard.operations import tracing
from modelyard.services import Services
from modelyard.settings import Settings
from modelyard.workspace.catalog_store import ensure_stored

if TYPE_CHECKING:
    from fastapi import FastAPI


# Paths outside /api/ that the admin API answers: its documentation, and /healthz for methods
# other than GET (a 405 from the API's route, as before the apps were split).
_API_PATHS = frozenset(
    {"/api", "/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)


def serves_api(path: str) -> bool:
    """Whether ``path`` belongs to the admin API (else to the web UI). With a trailing slash
    too: the API's router answers ``/docs/`` with its redirect to ``/docs``, as before."""
    return path.startswith("/api/") or path.rstrip("/") in _API_PATHS


def serves_scim(path: str) -> bool:
    """Whether ``path`` belongs to SCIM provisioning (``/scim/v2``, :mod:`modelyard.scim`)."""
    return path == "/scim" or path.startswith("/scim/")


def database_answers(services: Services) -> bool:
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


class Modelyard:
    """The ASGI app uvicorn runs (see the module's docstring)."""

    def __init__(
        self, settings: Settings, services: Services | None = None, *, freeze_gc: bool = False
    ) -> None:
        self.settings = settings
        self._freeze_gc = freeze_gc
        self.state = State()
        self._given = services
        self._gateway: ASGIApp | None = None
        self._scim: ASGIApp | None = None  # built on first use
        self._parts: dict[str, FastAPI] = {}  # "api", "web": built on first use
        self._entries: dict[str, ASGIApp] = {}  # each part behind its body guard
        self._build_lock = asyncio.Lock()
        self._exit = AsyncExitStack()
        self._lifespan = Router(lifespan=self._running)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path.startswith("/v1/"):
                guarded = guard_stream(scope, receive, self.settings.body_timeout)
                if isinstance(guarded, ModelyardError):  # a declared size over the limit: at once
                    await refuse(guarded, scope, receive, send)
                    return
                gateway = self._gateway
                if gateway is None:  # built on first use, from the lifespan's services
                    gateway = self._gateway = tracing.wrap_gateway(
                        create_gateway(gateway_context(self.state.services)),
                        self.settings,
                        self._exit,
                    )
                await gateway(scope, guarded, send)
                return
            if path == "/healthz" and scope["method"] == "GET":
                await self._healthz(scope, receive, send)
                return
            if path in ("/readyz", "/metrics") and scope["method"] == "GET":
                await self._operations(path, scope, receive, send)
                return
            if serves_scim(path):
                await self._serve_scim(scope, receive, send)
                return
        elif kind == "lifespan":
            scope["app"] = self
            await self._lifespan(scope, receive, send)
            return
        part = "api" if serves_api(scope["path"]) else "web"
        entry = self._entries.get(part)
        if entry is None:
            await self._build(part)
            entry = self._entries[part]
        await entry(scope, receive, send)

    async def _healthz(self, scope: Scope, receive: Receive, send: Send) -> None:
        """200 when the process and its database answer, 503 otherwise."""
        if await anyio.to_thread.run_sync(database_answers, self.state.services):
            response = JSONBytesResponse({"status": "ok"})
        else:
            response = JSONBytesResponse(
                {"status": "error", "database": "unreachable"}, status_code=503
            )
        await response(scope, receive, send)

    async def _operations(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        """``/readyz`` and ``/metrics``, imported on first use (prometheus-client stays out of
        a process nobody scrapes)."""
        if path == "/readyz":
            from modelyard.readiness import readyz as respond
        else:
            from modelyard.operations.metrics import metrics as respond
        await respond(self.state.services, scope, receive, send)

    async def _serve_scim(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``/scim``: imported and built on first use (it reads its own body, SCIM-shaped)."""
        scim = self._scim
        if scim is None:
            scim = self._scim = await asyncio.to_thread(
                _build_scim, self.state.services, self.settings
            )
        await scim(scope, receive, send)

    async def _build(self, part: str) -> FastAPI:
        async with self._build_lock:
            app = self._parts.get(part)
            if app is None:
                app = await asyncio.to_thread(_import_and_build, self.state, part)
                # What its routers add to the lifespan (knowledge) runs until shutdown.
                context: AbstractAsyncContextManager[Any] = app.router.lifespan_context(app)
                await self._exit.enter_async_context(context)
                self._entries[part] = self._guarded(part, app)
                self._parts[part] = app
                self._freeze()
            return app

    def _guarded(self, part: str, app: ASGIApp) -> ASGIApp:
        """``app`` behind the body's bounds; the API also authenticates before the body."""
        seconds = self.settings.body_timeout
        if part != "api":
            return BufferedBody(app, seconds)
        from modelyard.admin_api.authenticate_first import refuse_unauthenticated

        services = self.state.services
        return BufferedBody(app, seconds, lambda scope: refuse_unauthenticated(services, scope))

    def _freeze(self) -> None:
        """Move everything alive now (modules, classes, the app) out of the garbage collector's
        sight: its full collections then walk only what calls create, instead of pausing
        every request for tens of milliseconds now and then. Servers only (``serve``): in a
        test process it would keep other tests' cyclic garbage."""
        if self._freeze_gc:
            gc.collect()
            gc.freeze()

    @asynccontextmanager
    async def _running(self, app: Any) -> AsyncIterator[None]:
        own = self._given is None
        built = self._given or Services.build(self.settings)
        with built.session() as session:
            ensure_stored(session)
        self.state.services = built
        built.config.start()
        await built.router.limits.start()
        # Usage left in journals by a process that was killed is stored before we serve.
        await built.meter.replay()
        built.meter.start()
        self._freeze()
        drain_on_sigterm(self.settings.drain_seconds)  # serve's processes only (main thread)
        try:
            async with knowledge_lifespan(self):  # the gateway's assistants search through it
                yield
        finally:
            await self._exit.aclose()
            # uvicorn runs this only after in-flight requests finished: their records are queued.
            await built.meter.stop()
            await built.router.limits.close()
            await built.config.stop()
            await built.upstream.close()
            if own:
                built.close()


def _import_and_build(state: State, part: str) -> FastAPI:
    from modelyard.admin_app import build_api_app, build_web_app

    return build_api_app(state) if part == "api" else build_web_app(state)


def _build_scim(services: Services, settings: Settings) -> ASGIApp:
    from modelyard.scim.app import build_scim_app

    return build_scim_app(services, settings)


def create_app(
    settings: Settings, services: Services | None = None, *, freeze_gc: bool = False
) -> Modelyard:
    """Build the app; pass ``services`` to share an already-built set (tests, CLI);
    ``freeze_gc`` for a server process of its own (see ``Modelyard._freeze``)."""
    return Modelyard(settings, services, freeze_gc=freeze_gc)


def create_app_from_environment() -> Modelyard:
    """The app of one worker of ``serve --workers N`` (uvicorn imports it by name), which
    also sets this process's header deadline (uvicorn builds its protocol after the app)."""
    from modelyard.server_protocol import HeaderDeadlineProtocol

    tune_process()
    settings = Settings()
    HeaderDeadlineProtocol.header_timeout = settings.header_timeout
    return Modelyard(settings, freeze_gc=True)


SWITCH_INTERVAL_S = 0.001
# Net container allocations between young collections (Python's default: 700).
GC_YOUNG_THRESHOLD = 10_000


def tune_process() -> None:
    """For a process that serves.

    When a worker thread holds the GIL (the usage recorder storing a batch, a configuration
    load), the event loop gets it back within 1 ms instead of Python's default 5 ms, which
    showed in the tail latency of every call that arrived then.

    Young collections run every 10,000 net allocations instead of 700: what a call allocates
    is almost all freed by reference counting, so a young collection finds the calls in
    flight alive, whatever its threshold. At 700, under ~3,500 calls/s, it ran ~150 times a
    second and promoted those calls' objects into collections of the older generations, 66-77
    of those in 5 s, pausing the event loop for up to 4-8 ms each (44 ms seen for a full one
    when calls queued). At 10,000 no older collection ran in 5 s of that load, and the CPU per
    call fell by 0-15 %. Cyclic garbage waits a little longer: at most 10,000 objects.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
