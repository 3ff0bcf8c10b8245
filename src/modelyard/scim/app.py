"""The ``/scim/v2`` sub-application: plain ASGI, its own small router, SCIM answers only.

Every request is authenticated first (its SCIM token, read from the database), then its body
is read under the same size and time bounds as the admin API's, then the work runs in a
worker thread with one database session. Every answer is ``application/scim+json``; every
error is in the SCIM shape (404 for unknown paths, 405 for a method a path does not take). A
successful change drops this process's cached gateway configuration at once (a deactivated
user's keys stop here on the next call); the audit row it wrote tells the other replicas.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from modelyard.errors import ModelyardError
from modelyard.http_guard import API_MAX_BODY_BYTES
from modelyard.request_ids import HEADER, assign
from modelyard.scim import auth, groups, schemas, users
from modelyard.scim.errors import MEDIA_TYPE, ScimError, from_domain
from modelyard.scim.resources import Query, make_query, project
from modelyard.services import Services
from modelyard.settings import Settings

log = logging.getLogger(__name__)
PREFIX = "/scim/v2"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Call:
    """One request, as the handlers see it."""

    services: Services
    workspace_id: str
    base: str
    params: dict[str, Any]
    body: Any
    request_id: str


def _search_request(body: Any) -> Query:
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a SearchRequest object.", "invalidSyntax")
    return make_query(body)


# A handler answers (status, document or None, Location header or None).
Answer = tuple[int, dict[str, Any] | None, str | None]


def _discovery(call: Call, name: str | None, kind: str) -> Answer:
    base = call.base
    if kind == "ServiceProviderConfig":
        return 200, schemas.service_provider_config(base), None
    if kind == "ResourceTypes":
        if name is None:
            found = schemas.resource_types(base)
            return 200, schemas.list_response(found, len(found)), None
        doc = schemas.resource_type(base, name)
    else:
        if name is None:
            found = schemas.all_schemas(base)
            return 200, schemas.list_response(found, len(found)), None
        doc = schemas.schema(base, name)
    if doc is None:
        raise ScimError(404, f"No {kind[:-1]} with id '{name}'.")
    return 200, doc, None


_MODULES = {"Users": (users, schemas.USER_SCHEMA), "Groups": (groups, schemas.GROUP_SCHEMA)}


def _resource(call: Call, kind: str, method: str, resource_id: str | None) -> Answer:
    module, core = _MODULES[kind]
    request_only = module.REQUEST_ONLY
    with call.services.session() as session:
        if resource_id == ".search":
            query = _search_request(call.body)
            return 200, module.search(session, call.workspace_id, call.base, query), None
        if resource_id is None and method == "GET":
            query = make_query(call.params)
            return 200, module.search(session, call.workspace_id, call.base, query), None
        shown = make_query(call.params)
        if resource_id is None:  # POST
            doc = module.create(session, call.workspace_id, call.base, call.body, call.request_id)
            return 201, project(doc, shown, core, request_only), doc["meta"]["location"]
        if method == "GET":
            doc = module.get(session, call.workspace_id, call.base, resource_id)
        elif method == "PUT":
            doc = module.replace(
                session, call.workspace_id, call.base, resource_id, call.body, call.request_id
            )
        elif method == "PATCH":
            doc = module.modify(
                session, call.workspace_id, call.base, resource_id, call.body, call.request_id
            )
        else:
            module.remove(session, call.workspace_id, resource_id, call.request_id)
            return 204, None, None
        return 200, project(doc, shown, core, request_only), None


def _search_all(call: Call) -> Answer:
    """``POST /.search``: Users and Groups together (users first), one page."""
    query = _search_request(call.body)
    found: list[dict[str, Any]] = []
    with call.services.session() as session:
        for module, core in _MODULES.values():
            found += [
                project(doc, query, core, module.REQUEST_ONLY)
                for doc in module.matching(session, call.workspace_id, call.base, query)
            ]
    page = found[query.start_index - 1 : query.start_index - 1 + query.count]
    return 200, schemas.list_response(page, len(found), query.start_index), None


def route(method: str, path: str) -> tuple[Callable[[Call], Answer], bool]:
    """The handler of ``method`` on ``path`` and whether it reads a body; 404 or 405."""
    if not path.startswith(PREFIX + "/"):
        raise ScimError(404, f"No SCIM endpoint at '{path}': it is under {PREFIX}/.")
    parts = [part for part in path[len(PREFIX) + 1 :].split("/") if part]
    head = parts[0].lower() if parts else ""
    allowed: frozenset[str]
    if head in ("serviceproviderconfig", "resourcetypes", "schemas") and len(parts) <= (
        1 if head == "serviceproviderconfig" else 2
    ):
        kind = {
            "serviceproviderconfig": "ServiceProviderConfig",
            "resourcetypes": "ResourceTypes",
            "schemas": "Schemas",
        }[head]
        name = parts[1] if len(parts) == 2 else None
        allowed = frozenset({"GET"})
        handler: Callable[[Call], Answer] = lambda call: _discovery(call, name, kind)  # noqa: E731
        reads = False
    elif head in ("users", "groups") and len(parts) <= 2:
        kind = "Users" if head == "users" else "Groups"
        resource_id = parts[1] if len(parts) == 2 else None
        if resource_id is None:
            allowed = frozenset({"GET", "POST"})
        elif resource_id == ".search":
            allowed = frozenset({"POST"})
        else:
            allowed = frozenset({"GET", "PUT", "PATCH", "DELETE"})
        handler = lambda call: _resource(call, kind, method, resource_id)  # noqa: E731
        reads = method in ("POST", "PUT", "PATCH")
    elif parts == [".search"]:
        allowed = frozenset({"POST"})
        handler = _search_all
        reads = method == "POST"
    else:
        raise ScimError(404, f"No SCIM endpoint at '{path}'.")
    if method not in allowed:
        raise ScimError(
            405, f"{method} is not allowed on '{path}' (allowed: {', '.join(sorted(allowed))})."
        )
    return handler, reads


async def _read_body(receive: Receive, seconds: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ScimError(400, "The client left before sending the body.")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > API_MAX_BODY_BYTES:
                    raise ScimError(
                        413, f"The body is larger than {API_MAX_BODY_BYTES // 2**20} MB."
                    )
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
    except TimeoutError:
        raise ScimError(408, f"The body did not arrive within {seconds:g} seconds.") from None


def _json(body: bytes) -> Any:
    if not body.strip():
        raise ScimError(400, "The request needs a JSON body.", "invalidSyntax")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ScimError(400, "The body is not valid JSON.", "invalidSyntax") from None


def _respond(
    status: int,
    doc: dict[str, Any] | None,
    request_id: str,
    location: str | None = None,
    extra: dict[str, str] | None = None,
) -> Response:
    headers = {HEADER: request_id, **(extra or {})}
    if location:
        headers["location"] = location
    if doc is None:
        return Response(status_code=status, headers=headers)
    return Response(orjson.dumps(doc), status_code=status, media_type=MEDIA_TYPE, headers=headers)


class ScimApp:
    """The ASGI app of ``/scim``."""

    def __init__(self, services: Services, settings: Settings) -> None:
        self.services = services
        self.settings = settings

    def _base(self, scope: Scope) -> str:
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/") + PREFIX
        return str(Request(scope).base_url).rstrip("/") + PREFIX

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = assign(scope)
        method = scope["method"]
        try:
            response = await self._handle(scope, receive, method, request_id)
        except ScimError as exc:
            extra = {"www-authenticate": 'Bearer realm="scim"'} if exc.status == 401 else None
            response = _respond(exc.status, exc.body(), request_id, extra=extra)
        except ModelyardError as exc:
            error = from_domain(exc)
            response = _respond(error.status, error.body(), request_id)
        except Exception:
            log.exception("SCIM request %s failed", request_id)
            error = ScimError(500, f"The server had an error (request id {request_id}).")
            response = _respond(500, error.body(), request_id)
        await response(scope, receive, send)

    async def _handle(
        self, scope: Scope, receive: Receive, method: str, request_id: str
    ) -> Response:
        headers = list(scope["headers"])
        workspace_id = await anyio.to_thread.run_sync(auth.workspace_for, self.services, headers)
        handler, reads = route(method, scope["path"])
        body = _json(await _read_body(receive, self.settings.body_timeout)) if reads else None
        params = dict(QueryParams(scope.get("query_string", b"")))
        call = Call(self.services, workspace_id, self._base(scope), params, body, request_id)
        status, doc, location = await anyio.to_thread.run_sync(handler, call)
        if method in _WRITES and status < 400 and not scope["path"].endswith("/.search"):
            self.services.config.invalidate()  # this process's gateway sees it on the next call
        return _respond(status, doc, request_id, location)


def build_scim_app(services: Services, settings: Settings) -> ScimApp:
    return ScimApp(services, settings)


__all__ = ["ScimApp", "build_scim_app"]
