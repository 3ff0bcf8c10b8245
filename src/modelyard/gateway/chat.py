"""``POST /v1/chat/completions``, streaming and not, routed over deployments and fallbacks."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import anyio
from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import CallerLeft, ModelyardError, UpstreamError
from modelyard.gateway import inbound, outbound
from modelyard.gateway.assistants import resolve_chat
from modelyard.gateway.context import CallMeter, GatewayContext, routed_headers
from modelyard.gateway.http_io import EventStream, json_body, json_response
from modelyard.llm_types import (
    ChatRequest,
    ChatResponse,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReport,
)
from modelyard.request_ids import request_id_of
from modelyard.routing import dispatch
from modelyard.routing.policy import shape_chat
from modelyard.routing.router import Routed
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig
from modelyard.routing.tokens import CHARS_PER_TOKEN

_CONTENT = (TextDelta, ReasoningDelta, ToolCallDelta)


class _OpenStream:
    """An upstream stream whose first events already arrived (so it is safe to commit to)."""

    def __init__(self, first: list[StreamEvent], rest: AsyncIterator[list[StreamEvent]]) -> None:
        self.first = first
        self.rest = rest

    async def batches(self) -> AsyncIterator[list[StreamEvent]]:
        yield self.first
        async for batch in self.rest:
            yield batch


async def _open(
    ctx: GatewayContext, model: ModelConfig, deployment: DeploymentConfig, request: ChatRequest
) -> _OpenStream:
    """Open the stream and wait for its first real event: a failure before that may still go
    to another deployment or fallback, since nothing has reached the caller yet."""
    batches = await dispatch.chat_stream(ctx.upstream, model, deployment, request)
    first: list[StreamEvent] = []
    async for batch in batches:
        first.extend(batch)
        if any(isinstance(event, _CONTENT) for event in batch):
            break
    return _OpenStream(first, batches)


async def chat_completions(ctx: GatewayContext, request: Request) -> Response:
    started, started_at = time.perf_counter(), datetime.now(UTC)
    caller = await ctx.authenticate(request.headers.get("authorization"))
    body = await json_body(request)
    chat = inbound.chat_request(body)
    config = await ctx.config.workspace(caller.workspace_id)
    chat, primary = await resolve_chat(ctx, config, caller, chat)
    meter = CallMeter(
        ctx,
        caller,
        "chat",
        primary,
        started,
        started_at,
        stream=chat.stream,
        request_id=request_id_of(request.scope),
    )
    prepared: dict[str, tuple[ChatRequest, int]] = {}

    def prepare(model: ModelConfig) -> int:
        # Shaped once per model: budget admission and the router both ask.
        done = prepared.get(model.id)
        if done is None:
            done = shape_chat(model, chat)
            prepared[model.id] = done
            meter.expect(done[1], done[0].max_tokens or 0, model=model)
        return done[1] + (done[0].max_tokens or 0)

    chain = ctx.router.chain(config, await meter.admit(config, primary, prepare))
    if not chat.stream:

        async def call(model: ModelConfig, deployment: DeploymentConfig) -> ChatResponse:
            return await dispatch.chat(ctx.upstream, model, deployment, prepared[model.id][0])

        try:
            routed = await ctx.router.route(chain, prepare, meter.upstream(call), meter.path)
        except ModelyardError as exc:
            meter.failed(exc)
            raise
        answer = routed.value
        meter.done(routed, answer.usage)
        await ctx.router.settle(routed, answer.usage.total_tokens)
        payload = outbound.chat_completion(
            answer,
            routed.model.slug,
            int(time.time()),
            show_reasoning=routed.model.capabilities.always_show_reasoning,
        )
        return json_response(payload, headers=routed_headers(routed))

    async def open_stream(model: ModelConfig, deployment: DeploymentConfig) -> _OpenStream:
        return await _open(ctx, model, deployment, prepared[model.id][0])

    try:
        opened = await ctx.router.route(chain, prepare, meter.upstream(open_stream), meter.path)
    except ModelyardError as exc:
        meter.failed(exc)
        raise
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    prompt_estimate = prepared[opened.model.id][1]
    return EventStream(
        _relay(ctx, opened, meter, include_usage, prompt_estimate), routed_headers(opened)
    )


async def _relay(
    ctx: GatewayContext,
    opened: Routed[_OpenStream],
    meter: CallMeter,
    include_usage: bool,
    prompt_estimate: int,
) -> AsyncIterator[bytes]:
    """Relay events as OpenAI chunks. An upstream failure now ends the stream with an error
    event (never a silent cut); a caller who leaves still gets what was relayed recorded."""
    model = opened.model
    writer = outbound.ChunkWriter(
        f"chatcmpl-{uuid.uuid4().hex}",
        model.slug,
        int(time.time()),
        show_reasoning=model.capabilities.always_show_reasoning,
    )
    usage = Usage()
    relayed_chars = 0
    error: ModelyardError | None = None
    completed = False
    try:
        async for batch in opened.value.batches():
            out = bytearray()
            for event in batch:
                if isinstance(event, UsageReport):
                    usage.add(event.usage)
                    continue
                if isinstance(event, TextDelta | ReasoningDelta):
                    relayed_chars += len(event.text)
                line = writer.encode(event)
                if line is not None:
                    out += line
            if out:  # one write per upstream read, not one per event
                yield bytes(out)
        # The answer is complete: record it before the last bytes go out, so no kill or
        # departure from here on can lose the record.
        completed = True
        meter.done(opened, usage)
        if include_usage:
            yield writer.line(writer.usage(usage))
        yield b"data: [DONE]\n\n"
    except ModelyardError as exc:
        error = exc
        completed = True
        yield dispatch.error_event(exc)
    except Exception:
        error = UpstreamError("The stream failed unexpectedly.", code="stream_failed")
        completed = True
        yield dispatch.error_event(error)
    finally:
        if not completed:
            error = CallerLeft("The caller left before the answer was complete.")
        if error is not None:
            if usage.total_tokens == 0:
                # No usage report arrived (cut or abandoned stream): count what was relayed.
                usage.input_tokens = prompt_estimate
                usage.output_tokens = relayed_chars // CHARS_PER_TOKEN
            meter.done(opened, usage, error)
        with anyio.CancelScope(shield=True):  # the caller may have left: settle regardless
            await ctx.router.settle(opened, usage.total_tokens)
