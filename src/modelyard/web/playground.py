"""The playground: a signed-in user chats with one of their completion models, the answer
streaming into the page.

The page never sees an API key. Its form posts (with the session's CSRF token) to
``/playground/chat``, which hands the call to the gateway's own ``chat_completions`` with the
session user as the caller: routing, fallbacks, maintenance, TPM limits, metering and usage
recording are exactly those of ``/v1/chat/completions``, and the answer comes back as the same
OpenAI-shaped event stream (or error body) that ``static/playground.js`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from modelyard.errors import BadRequest, ModelyardError
from modelyard.gateway import chat
from modelyard.gateway.context import GatewayContext, gateway_context
from modelyard.gateway.http_io import error_response
from modelyard.routing.config_store import Caller
from modelyard.web.auth import FormDep, UserDep, WebUser
from modelyard.web.member_pages import member_context
from modelyard.web.pages import render, services_of
from modelyard.workspace import users

router = APIRouter(include_in_schema=False)


@dataclass
class _SessionGateway(GatewayContext):
    """The gateway's context for one call whose caller the web session already established."""

    caller: Caller

    async def authenticate(self, authorization: str | None) -> Caller:
        return self.caller


def _gateway_for(request: Request, user: WebUser) -> _SessionGateway:
    shared = gateway_context(services_of(request))
    actor = user.actor
    caller = Caller(
        api_key_id=None,  # the web session, not an API key, makes playground calls
        user_id=actor.user_id,
        workspace_id=actor.workspace_id,
        role=actor.role,
    )
    parts = {f.name: getattr(shared, f.name) for f in fields(GatewayContext)}
    return _SessionGateway(**parts, caller=caller)


def _chat_body(model: str, messages_json: str) -> bytes:
    """The ``/v1/chat/completions`` body of a playground turn; the gateway validates it."""
    try:
        messages: Any = orjson.loads(messages_json or "[]")
    except orjson.JSONDecodeError:
        raise BadRequest("'messages' is not valid JSON.", param="messages") from None
    body = {
        "model": model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    return orjson.dumps(body)


def _inner_request(request: Request, body: bytes) -> Request:
    """The browser's request as the gateway reads it: same connection, a JSON body."""

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request({**request.scope, "path": "/v1/chat/completions"}, receive)


@router.get("/playground")
async def playground_page(request: Request, user: UserDep) -> Response:
    services = services_of(request)
    config = await services.config.workspace(user.actor.workspace_id)
    with services.session() as db:
        default = users.get_default_model(db, user.actor)
    models = sorted(
        (m for m in config.models_by_slug.values() if m.visible and m.kind == "completion"),
        key=lambda m: m.display_name.lower(),
    )
    chosen = request.query_params.get("model") or default.slug
    context = member_context(request, user) | {"models": models, "chosen": chosen}
    return render(request, "playground.html", context)


@router.post("/playground/chat")
async def playground_chat(request: Request, user: UserDep, form: FormDep) -> Response:
    """One turn of the conversation, streamed as ``/v1/chat/completions`` streams it."""
    try:
        body = _chat_body(str(form.get("model") or ""), str(form.get("messages") or ""))
        response = await chat.chat_completions(
            _gateway_for(request, user), _inner_request(request, body)
        )
    except ModelyardError as exc:
        return error_response(exc)
    response.headers["cache-control"] = "no-store"
    return response
