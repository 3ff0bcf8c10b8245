"""``POST /v1/chat/completions``, streaming and not: the Chat Completions edge of the one call
path (:mod:`modelyard.gateway.chat_pipeline`)."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import ModelyardError
from modelyard.gateway import chat_pipeline, inbound, outbound
from modelyard.gateway.context import GatewayContext, routed_headers
from modelyard.gateway.http_io import EventStream, json_body, json_response
from modelyard.request_ids import request_id_of
from modelyard.routing import dispatch


async def chat_completions(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    body = await json_body(request)
    chat = inbound.chat_request(body)
    call = await chat_pipeline.start(ctx, caller, chat, request_id=request_id_of(request.scope))
    if not call.chat.stream:
        routed, answer = await chat_pipeline.complete(call)
        payload = outbound.chat_completion(
            answer,
            routed.model.slug,
            int(time.time()),
            show_reasoning=routed.model.capabilities.always_show_reasoning,
            legacy_functions=inbound.uses_legacy_functions(body),
        )
        return json_response(payload, headers=routed_headers(routed))
    stream = await chat_pipeline.open_stream(call)
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    legacy = inbound.uses_legacy_functions(body)
    return EventStream(_relay(stream, include_usage, legacy), stream.headers)


async def _relay(
    stream: chat_pipeline.ChatStream, include_usage: bool, legacy: bool = False
) -> AsyncIterator[bytes]:
    """Relay events as OpenAI chunks, one write per upstream read. An upstream failure ends the
    stream with an error event (never a silent cut)."""
    model = stream.model
    writer = outbound.ChunkWriter(
        f"chatcmpl-{uuid.uuid4().hex}",
        model.slug,
        int(time.time()),
        show_reasoning=model.capabilities.always_show_reasoning,
        legacy_functions=legacy,
    )
    try:
        async with contextlib.aclosing(stream.events()) as events:
            async for batch in events:
                out = bytearray()
                for event in batch:
                    line = writer.encode(event)
                    if line is not None:
                        out += line
                if out:
                    yield bytes(out)
        if include_usage:
            yield writer.line(writer.usage(stream.usage))
        yield b"data: [DONE]\n\n"
    except ModelyardError as exc:
        yield dispatch.error_event(exc)
