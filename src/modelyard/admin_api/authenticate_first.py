"""Authentication of an ``/api`` request before its body is read.

FastAPI reads a route's body before it solves the route's dependencies, so a caller without a
key could make the server wait on a body it never sends. :class:`modelyard.http_guard.BufferedBody`
runs :func:`refuse_unauthenticated` first: the same :func:`~modelyard.admin_api.deps.get_actor`
the routes use (the rule stays there), answered as the routes would answer it (401 with
``WWW-Authenticate``). Requests without a body never get here; the route authenticates them.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from modelyard.admin_api.deps import get_actor
from modelyard.errors import ModelyardError
from modelyard.gateway.http_io import error_response
from modelyard.services import Services

# ``/api`` paths that answer without a key (whatever their method).
PUBLIC_API_PATHS = frozenset({"/api/healthz"})


def needs_key(path: str) -> bool:
    return path.startswith("/api/") and path.rstrip("/") not in PUBLIC_API_PATHS


async def refuse_unauthenticated(services: Services, scope: Scope) -> Response | None:
    """The error the route's authentication would answer, or None when the caller is known."""
    if not needs_key(scope["path"]):
        return None
    request = Request(scope)

    def authenticate() -> None:
        with services.session() as session:
            get_actor(request, session)

    try:
        await anyio.to_thread.run_sync(authenticate)
    except ModelyardError as exc:
        return error_response(exc)
    return None
