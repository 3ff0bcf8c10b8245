"""``POST /v1/messages`` and ``/v1/messages/count_tokens``: the Messages edge of the one call
path (:mod:`modelyard.gateway.chat_pipeline`: the same auth, model rules, budgets, routing,
fallbacks, TPM and metering as chat), every refusal in Anthropic's error shape. A parameter the
chosen upstream cannot take (``top_k`` to OpenAI) is refused by the router, naming it and the model.

The key comes as ``x-api-key`` (the anthropic SDK, Claude Code) or ``Authorization: Bearer``;
``anthropic-version`` and ``anthropic-beta`` are accepted and not needed: the betas a client
names are hints, never a reason for a 400; those an Anthropic upstream can take reach it
(:mod:`modelyard.providers.anthropic_messages.betas`), the rest are left out.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import ModelyardError
from modelyard.gateway import chat_pipeline
from modelyard.gateway.assistants import resolve_chat
from modelyard.gateway.context import GatewayContext, routed_headers
from modelyard.gateway.http_io import EventStream, json_body, json_response
from modelyard.gateway.messages import errors, inbound, outbound
from modelyard.gateway.messages.stream import EventWriter
from modelyard.llm_types import ChatRequest, Usage
from modelyard.providers.anthropic_messages import betas
from modelyard.request_ids import request_id_of
from modelyard.routing.config_store import Caller
from modelyard.routing.tokens import estimate_prompt_tokens

log = logging.getLogger(__name__)


async def _caller(ctx: GatewayContext, request: Request) -> Caller:
    key = request.headers.get("x-api-key")
    authorization = f"Bearer {key}" if key else request.headers.get("authorization")
    return await ctx.authenticate(authorization)


async def _is_admin(ctx: GatewayContext, request: Request, error: ModelyardError) -> bool:
    """Whether the caller may read the error's internals (asked only when it has some)."""
    if error.detail is None:
        return False
    try:
        return (await _caller(ctx, request)).is_admin
    except ModelyardError:
        return False


def _show_thinking(chat: ChatRequest, always: bool) -> bool:
    return always or chat.reasoning_budget is not None or chat.reasoning_effort is not None


async def messages(ctx: GatewayContext, request: Request) -> Response:
    request_id = request_id_of(request.scope)
    try:
        return await _messages(ctx, request, request_id)
    except ModelyardError as exc:
        return errors.response(exc, request_id, detailed=await _is_admin(ctx, request, exc))
    except Exception:
        log.exception("Unhandled error on POST /v1/messages (request %s)", request_id)
        return errors.internal(request_id)


async def _messages(ctx: GatewayContext, request: Request, request_id: str | None) -> Response:
    caller = await _caller(ctx, request)
    chat = inbound.chat_request(await json_body(request))
    chat.anthropic_betas = betas.forwarded(request.headers.get("anthropic-beta"))
    call = await chat_pipeline.start(ctx, caller, chat, endpoint="messages", request_id=request_id)
    if not call.chat.stream:
        routed, answer = await chat_pipeline.complete(call)
        show = _show_thinking(chat, routed.model.capabilities.always_show_reasoning)
        payload = outbound.message(answer, routed.model.slug, show_thinking=show)
        return json_response(payload, headers=routed_headers(routed))
    stream = await chat_pipeline.open_stream(call)
    show = _show_thinking(chat, stream.model.capabilities.always_show_reasoning)
    return EventStream(_relay(stream, show), stream.headers)


async def _relay(stream: chat_pipeline.ChatStream, show_thinking: bool) -> AsyncIterator[bytes]:
    """Relay the events, one write per upstream read; an upstream failure ends the stream with
    Anthropic's ``error`` event (never a silent cut)."""
    writer = EventWriter(show_thinking=show_thinking)
    started = False

    def start() -> bytes:
        nonlocal started
        started = True
        usage = stream.usage
        if usage.total_tokens == 0:
            usage = Usage(input_tokens=stream.prompt_estimate)
        return writer.start(outbound.message_id(), stream.model.slug, usage)

    try:
        async with contextlib.aclosing(stream.events()) as events:
            async for batch in events:
                out = bytearray() if started else bytearray(start())
                for event in batch:
                    out += writer.encode(event)
                if out:
                    yield bytes(out)
        yield (b"" if started else start()) + writer.finish(stream.usage)
    except ModelyardError as exc:
        yield (b"" if started else start()) + errors.stream_event(exc)


async def count_tokens(ctx: GatewayContext, request: Request) -> Response:
    """``{"input_tokens": N}``: the hub's estimate of the prompt for the caller's model (404
    for a model the caller may not use); no upstream call, nothing metered."""
    request_id = request_id_of(request.scope)
    try:
        caller = await _caller(ctx, request)
        chat = inbound.count_request(await json_body(request))
        config = await ctx.config.workspace(caller.workspace_id)
        chat, _ = await resolve_chat(ctx, config, caller, chat)
        return json_response({"input_tokens": estimate_prompt_tokens(chat)})
    except ModelyardError as exc:
        return errors.response(exc, request_id)
    except Exception:
        log.exception("Unhandled error on POST /v1/messages/count_tokens (request %s)", request_id)
        return errors.internal(request_id)
