"""``POST /v1/responses`` (streaming and not), ``GET`` and ``DELETE /v1/responses/{id}``: the
Responses edge of the one call path (:mod:`modelyard.gateway.chat_pipeline`).

The stored conversation is read only when the caller names ``previous_response_id`` (its own,
else a 404 naming it), and written after the answer when ``store`` is not false. What is
stored keeps the upstream's encrypted reasoning (asked for when the answer is stored and the
call sets ``reasoning``) so the next turn can send it back; the caller sees it only when
``include`` asks for it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import BadRequest, ModelyardError, NotFound
from modelyard.gateway import chat_pipeline
from modelyard.gateway.context import GatewayContext, routed_headers
from modelyard.gateway.http_io import EventStream, json_body, json_response
from modelyard.gateway.responses import input_items, outbound
from modelyard.gateway.responses.inbound import ResponsesRequest, responses_request
from modelyard.gateway.responses.store import ResponseStore
from modelyard.gateway.responses.stream import ResponsesWriter
from modelyard.request_ids import request_id_of
from modelyard.routing.config_store import Caller

log = logging.getLogger(__name__)


def _store(ctx: GatewayContext) -> ResponseStore:
    return ctx.responses


def _not_found(response_id: str, param: str | None = None) -> NotFound:
    return NotFound(
        f"Response with id '{response_id}' not found.", param=param, code="response_not_found"
    )


async def _earlier(ctx: GatewayContext, caller: Caller, body: dict[str, Any]) -> list[Any]:
    """The conversation through the response the call continues (none when it names none)."""
    previous = body.get("previous_response_id")
    if previous is None:
        return []
    if not isinstance(previous, str) or not previous:
        raise BadRequest("'previous_response_id' must be a string.", param="previous_response_id")
    stored = await _store(ctx).load(caller.workspace_id, caller.user_id, previous)
    if stored is None:
        raise _not_found(previous, "previous_response_id")
    return stored.input_items


async def create_response(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    body = await json_body(request)
    earlier = await _earlier(ctx, caller, body)
    parsed = responses_request(body, earlier)
    encrypted = parsed.chat.include_encrypted_reasoning
    if parsed.store and body.get("reasoning") is not None:
        # Kept for the next turn, shown only if asked. Only when the call sets reasoning
        # options: OpenAI refuses the include for models that do not reason.
        parsed.chat.include_encrypted_reasoning = True
    call = await chat_pipeline.start(
        ctx, caller, parsed.chat, endpoint="responses", request_id=request_id_of(request.scope)
    )
    response_id = outbound.new_response_id()
    if not call.chat.stream:
        routed, answer = await chat_pipeline.complete(call)
        output = outbound.output_items(answer, encrypted=True)
        response = outbound.response_object(
            response_id,
            body,
            routed.model.slug,
            outbound.public(output, encrypted=encrypted),
            answer.usage,
            answer.finish_reason,
        )
        if parsed.store:
            _save(ctx, caller, parsed, earlier, output, response)
        return json_response(response, headers=routed_headers(routed))
    stream = await chat_pipeline.open_stream(call)
    writer = ResponsesWriter(response_id, body, stream.model.slug, int(time.time()))
    return EventStream(_relay(ctx, caller, parsed, earlier, stream, writer), stream.headers)


def _save(
    ctx: GatewayContext,
    caller: Caller,
    parsed: ResponsesRequest,
    earlier: list[Any],
    output: list[dict[str, Any]],
    response: dict[str, Any],
) -> None:
    conversation = [*earlier, *parsed.items, *output]
    _store(ctx).save(caller.workspace_id, caller.user_id, conversation, response)


async def _relay(
    ctx: GatewayContext,
    caller: Caller,
    parsed: ResponsesRequest,
    earlier: list[Any],
    stream: chat_pipeline.ChatStream,
    writer: ResponsesWriter,
) -> AsyncIterator[bytes]:
    """Relay events as Responses events, one write per upstream read. An upstream failure
    ends the stream with ``response.failed`` (never a silent cut)."""
    yield writer.start()
    try:
        async with contextlib.aclosing(stream.events()) as events:
            async for batch in events:
                out = writer.encode(batch)
                if out:
                    yield out
        last, response = writer.close(stream.usage)
        if parsed.store:
            _save(ctx, caller, parsed, earlier, writer.output, response)
        yield last + writer.complete(response)
    except ModelyardError as exc:
        if exc.detail:  # for admins and the log; the caller sees the member-safe message
            log.warning("stream ended with an error: %s", exc.admin_message)
        yield writer.failed(exc, stream.usage)


def _item_id(request: Request) -> str:
    return str(request.scope["path"]).rstrip("/").rpartition("/")[2]


async def get_response(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    response_id = _item_id(request)
    stored = await _store(ctx).load(caller.workspace_id, caller.user_id, response_id)
    if stored is None:
        raise _not_found(response_id)
    return json_response(stored.response)


async def list_input_items(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    response_id = str(request.scope["path"]).rstrip("/").split("/")[-2]
    stored = await _store(ctx).load(caller.workspace_id, caller.user_id, response_id)
    if stored is None:
        raise _not_found(response_id)
    items = input_items.input_of(stored.input_items, stored.response)
    include = request.query_params.getlist("include") + request.query_params.getlist("include[]")
    return json_response(input_items.page(items, response_id, request.query_params, include))


async def delete_response(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    response_id = _item_id(request)
    if not await _store(ctx).delete(caller.workspace_id, caller.user_id, response_id):
        raise _not_found(response_id)
    return json_response({"id": response_id, "object": "response", "deleted": True})
