"""The API's ``/openapi.json``: FastAPI's document of ``/api``, the gateway's ``/v1``, and every
status each route can answer.

Most error statuses follow from what a route is, so they are derived here rather than repeated
on every route (and a new router gets them without thinking of it): every route can fail with a
500; one that authenticates with 401; one for admins, or that acts on a named thing or writes,
with 403; a path parameter means 404; a body means 400 (not JSON), 413 and 422, and 404 when it
is written (it may name an unknown model, group or user); parameters mean 422; every write can
meet a concurrent one (409, ``storage.integrity``). What only one route can answer it declares
itself with ``responses=errors(...)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from modelyard.admin_api.deps import get_actor, get_admin
from modelyard.gateway import openapi_v1
from modelyard.openapi_errors import (
    ERROR_SCHEMA,
    ERROR_SCHEMA_NAME,
    REQUEST_ID_HEADER,
    error_response,
)

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BEARER = {"bearer": {"type": "http", "scheme": "bearer", "description": "A user's API key"}}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for what only this route can answer."""
    return {status: error_response(status) for status in statuses}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def statuses_of(route: APIRoute) -> set[int]:
    """The error statuses that follow from the route's shape (see the module's docstring)."""
    calls = set(_calls(route.dependant))
    dependant = route.dependant
    writes = bool((route.methods or set()) & _WRITES)
    found = {500}
    authenticated = get_actor in calls
    if authenticated:
        found.add(401)
    if get_admin in calls or (authenticated and (dependant.path_params or writes)):
        found.add(403)
    if dependant.path_params:
        found.add(404)
    if route.body_field is not None:
        found |= {400, 413, 422}
        if writes:
            found.add(404)  # the body names something (a model, a group, a user) unknown
    if dependant.query_params or dependant.path_params:
        found.add(422)  # where FastAPI validates parameters (its own 422 has another shape)
    if writes:
        found.add(409)
    return found


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """The routes as written, also inside included routers (FastAPI builds each included
    route's effective copy from them when it is first needed)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def declare(app: FastAPI) -> None:
    """Add the derived statuses (and ``security``) to every route: after the routers are
    included, before the first request."""
    for route in _api_routes(app.routes):
        for status in sorted(statuses_of(route)):
            route.responses.setdefault(status, error_response(status))
        if get_actor in set(_calls(route.dependant)):
            route.openapi_extra = {"security": [{"bearer": []}], **(route.openapi_extra or {})}


def _with_request_ids(document: dict[str, Any]) -> None:
    for operations in document["paths"].values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {})["x-request-id"] = REQUEST_ID_HEADER


def allowed_methods(app: FastAPI, path: str) -> str | None:
    """Every method the document lists for ``path``, for the ``Allow`` of a 405 (Starlette's
    names only those of the one route it matched, and each method is a route of its own)."""
    methods: set[str] = set()
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)), path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods)) or None


def install(app: FastAPI) -> None:
    """Declare every route's statuses and serve the merged document (built once, on first use)."""
    declare(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
            )
            openapi_v1.merge_into(document)
            components = document.setdefault("components", {})
            components.setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
            components["securitySchemes"] = BEARER
            _with_request_ids(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
