"""The ``/v1`` routes as a plain Starlette app (less per-request work than FastAPI's routing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from modelyard.errors import ModelyardError, NotFound
from modelyard.gateway import chat, media, models_list
from modelyard.gateway.context import GatewayContext
from modelyard.gateway.http_io import error_response

Handler = Callable[[GatewayContext, Request], Awaitable[Response]]


def _endpoint(ctx: GatewayContext, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(ctx, request)
        except ModelyardError as exc:
            return error_response(exc)

    return endpoint


def create_gateway(ctx: GatewayContext) -> Starlette:
    routes = [
        Route("/models", _endpoint(ctx, models_list.list_models), methods=["GET"]),
        Route("/chat/completions", _endpoint(ctx, chat.chat_completions), methods=["POST"]),
        Route("/embeddings", _endpoint(ctx, media.embeddings), methods=["POST"]),
        Route("/images/generations", _endpoint(ctx, media.image_generations), methods=["POST"]),
        Route("/images/edits", _endpoint(ctx, media.image_edits), methods=["POST"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(NotFound(f"Unknown path {request.url.path}."))

    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
