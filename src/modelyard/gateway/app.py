"""The ``/v1`` routes as a bare ASGI app: a dictionary lookup, one handler call, one response.

Starlette's router, its middleware stack and exception-handler wrappers cost about a tenth of a
call's CPU (profiled with py-spy, see the README's performance section); the gateway needs none
of them: five fixed paths, and its errors are already ``ModelyardError``. Every answer carries
``x-request-id`` (set here, once, before the handler runs: usage records read it from the scope),
streams included: the header goes out with the status, before the first event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from modelyard.errors import BadRequest, ModelyardError, NotFound, internal_error_body
from modelyard.gateway import chat, media, models_list
from modelyard.gateway.context import GatewayContext
from modelyard.gateway.http_io import error_response, json_response
from modelyard.gateway.messages import handler as messages_handler
from modelyard.gateway.responses import handler as responses_handler
from modelyard.request_ids import HEADER_BYTES, assign

log = logging.getLogger(__name__)

Handler = Callable[[GatewayContext, Request], Awaitable[Response]]


class _MethodNotAllowed(BadRequest):
    status = 405


class Gateway:
    """Serves ``/v1/...`` (the full path; a trailing slash is ignored)."""

    def __init__(self, ctx: GatewayContext) -> None:
        self.ctx = ctx
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/v1/models"): models_list.list_models,
            ("HEAD", "/v1/models"): models_list.list_models,
            ("POST", "/v1/chat/completions"): chat.chat_completions,
            ("POST", "/v1/embeddings"): media.embeddings,
            ("POST", "/v1/images/generations"): media.image_generations,
            ("POST", "/v1/images/edits"): media.image_edits,
            ("POST", "/v1/responses"): responses_handler.create_response,
            ("POST", "/v1/messages"): messages_handler.messages,
            ("POST", "/v1/messages/count_tokens"): messages_handler.count_tokens,
        }
        # Paths with one trailing segment (an id): ``(method, "/v1/things/")`` answers
        # ``/v1/things/{id}``; the handler reads the id from the path. Looked up only when
        # no fixed path matched.
        self.item_routes: dict[tuple[str, str], Handler] = {
            ("GET", "/v1/responses/"): responses_handler.get_response,
            ("DELETE", "/v1/responses/"): responses_handler.delete_response,
            ("GET", "/v1/models/"): models_list.get_model,
        }
        # Paths of one named part of an item: ``(method, "/v1/things/", "part")`` answers
        # ``/v1/things/{id}/part``.
        self.item_part_routes: dict[tuple[str, str, str], Handler] = {
            ("GET", "/v1/responses/", "input_items"): responses_handler.list_input_items,
        }
        allowed: dict[str, list[str]] = {}
        for method, known in self.routes:
            allowed.setdefault(known, []).append(method)
        self.allowed = {known: ", ".join(methods) for known, methods in allowed.items()}

    def _item_handler(self, method: str, path: str) -> tuple[Handler | None, str | None]:
        """The handler of ``path`` among the item routes, and the methods the path takes."""
        prefix, _, item = path.rpartition("/")
        if not item or not prefix.startswith("/v1/"):
            return None, None
        prefix += "/"
        methods = [m for m, known in self.item_routes if known == prefix]
        if not methods:  # /v1/things/{id}/part?
            things, _, item_id = prefix[:-1].rpartition("/")
            if item_id and things.startswith("/v1/"):
                key = (things + "/", item)
                methods = [m for m, *known in self.item_part_routes if tuple(known) == key]
                return self.item_part_routes.get((method, *key)), ", ".join(methods) or None
        return self.item_routes.get((method, prefix)), ", ".join(methods) or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = assign(scope)
        path: str = scope["path"]
        if len(path) > 4 and path[-1] == "/":
            path = path.rstrip("/")
        handler = self.routes.get((scope["method"], path))
        if handler is None and self.item_routes:
            handler, _ = self._item_handler(scope["method"], path)
        if handler is None:
            response = self._unknown(scope["method"], path)
        else:
            response = await self._handle(handler, scope, receive, request_id, path)
        response.raw_headers.append((HEADER_BYTES, request_id.encode("latin-1")))
        await response(scope, receive, send)

    def _unknown(self, method: str, path: str) -> Response:
        allow = self.allowed.get(path) or self._item_handler(method, path)[1]
        if allow is None:
            return error_response(NotFound(f"Unknown path {path}."))
        response = error_response(_MethodNotAllowed(f"{path} takes {allow}, not {method}."))
        response.headers["allow"] = allow
        return response

    async def _handle(
        self, handler: Handler, scope: Scope, receive: Receive, request_id: str, path: str
    ) -> Response:
        request = Request(scope, receive)
        try:
            return await handler(self.ctx, request)
        except ModelyardError as exc:
            detailed = exc.detail is not None and await self._is_admin(request)
            return error_response(exc, detailed=detailed)
        except HTTPException as exc:  # Starlette's own (a malformed multipart body)
            return error_response(BadRequest(str(exc.detail)))
        except Exception:
            # A bug before any byte was sent: logged with its traceback, answered in the OpenAI
            # shape without it. (A stream that fails later ends with its own error event.)
            log.exception(
                "Unhandled error on %s %s (request %s)", scope["method"], path, request_id
            )
            return json_response(internal_error_body(request_id), 500)

    async def _is_admin(self, request: Request) -> bool:
        """Whether the caller may read an error's internals (admins and owners). Asked only
        for errors that have some; the key lookup is a cache hit after the handler's own."""
        try:
            caller = await self.ctx.authenticate(request.headers.get("authorization"))
        except ModelyardError:
            return False
        return caller.is_admin


def create_gateway(ctx: GatewayContext) -> Gateway:
    return Gateway(ctx)
