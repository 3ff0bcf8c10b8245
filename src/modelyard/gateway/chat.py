"""``POST /v1/chat/completions``, streaming and not."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from modelyard.errors import ModelyardError, UpstreamError
from modelyard.gateway import inbound, outbound
from modelyard.gateway.context import GatewayContext
from modelyard.gateway.http_io import json_body, json_response
from modelyard.llm_types import Usage, UsageReport
from modelyard.routing import dispatch
from modelyard.routing.config_store import Caller
from modelyard.routing.policy import shape_chat
from modelyard.routing.resolve import check_available, resolve_model
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig
from modelyard.usage.cost import cost_usd
from modelyard.usage.meter import CallRecord


def _record(
    caller: Caller,
    model: ModelConfig,
    deployment: DeploymentConfig | None,
    usage: Usage,
    status: int,
    started: float,
    started_at: datetime,
    *,
    stream: bool,
    error: str | None = None,
) -> CallRecord:
    return CallRecord(
        workspace_id=caller.workspace_id,
        user_id=caller.user_id,
        api_key_id=caller.api_key_id,
        endpoint="chat",
        model_id=model.id,
        model_slug=model.slug,
        deployment_id=deployment.id if deployment else None,
        status=status,
        usage=usage,
        prices=model.prices,
        cost_usd=cost_usd(usage, model.prices),
        latency_ms=(time.perf_counter() - started) * 1000,
        started_at=started_at,
        error=error,
        stream=stream,
    )


async def chat_completions(ctx: GatewayContext, request: Request) -> Response:
    started, started_at = time.perf_counter(), datetime.now(UTC)
    caller = await ctx.authenticate(request.headers.get("authorization"))
    body = await json_body(request)
    chat = inbound.chat_request(body)
    config = await ctx.config.workspace(caller.workspace_id)
    model = resolve_model(config, caller, chat.model, "completion")
    check_available(model)
    shaped, _prompt = shape_chat(model, chat)
    deployment = ctx.picker.pick(model)
    headers = {"x-modelyard-model": model.slug, "x-modelyard-deployment": deployment.id}
    created = int(time.time())
    show_reasoning = model.capabilities.always_show_reasoning
    if not shaped.stream:
        try:
            answer = await dispatch.chat(ctx.upstream, model, deployment, shaped)
        except ModelyardError as exc:
            ctx.meter.record(
                _record(
                    caller,
                    model,
                    deployment,
                    Usage(),
                    exc.status,
                    started,
                    started_at,
                    stream=False,
                    error=exc.message,
                )
            )
            raise
        ctx.meter.record(
            _record(caller, model, deployment, answer.usage, 200, started, started_at, stream=False)
        )
        payload = outbound.chat_completion(
            answer, model.slug, created, show_reasoning=show_reasoning
        )
        return json_response(payload, headers=headers)

    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    try:
        events = await dispatch.chat_stream(ctx.upstream, model, deployment, shaped)
    except ModelyardError as exc:
        ctx.meter.record(
            _record(
                caller,
                model,
                deployment,
                Usage(),
                exc.status,
                started,
                started_at,
                stream=True,
                error=exc.message,
            )
        )
        raise
    writer = outbound.ChunkWriter(
        f"chatcmpl-{uuid.uuid4().hex}", model.slug, created, show_reasoning=show_reasoning
    )

    async def sse() -> AsyncIterator[bytes]:
        usage = Usage()
        status, error = 200, None
        try:
            async for event in events:
                if isinstance(event, UsageReport):
                    usage.add(event.usage)
                    continue
                chunk = writer.event(event)
                if chunk is not None:
                    yield b"data: " + orjson.dumps(chunk) + b"\n\n"
            if include_usage:
                yield b"data: " + orjson.dumps(writer.usage(usage)) + b"\n\n"
            yield b"data: [DONE]\n\n"
        except ModelyardError as exc:
            status, error = exc.status, exc.message
            yield dispatch.error_event(exc)
        except Exception:
            failure = UpstreamError("The stream failed unexpectedly.", code="stream_failed")
            status, error = failure.status, failure.message
            yield dispatch.error_event(failure)
        finally:
            ctx.meter.record(
                _record(
                    caller,
                    model,
                    deployment,
                    usage,
                    status,
                    started,
                    started_at,
                    stream=True,
                    error=error,
                )
            )

    return StreamingResponse(sse(), media_type="text/event-stream", headers=headers)
