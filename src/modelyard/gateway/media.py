"""``POST /v1/embeddings``, ``/v1/images/generations`` and ``/v1/images/edits``."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import BadRequest, ModelyardError
from modelyard.gateway import inbound, outbound
from modelyard.gateway.context import GatewayContext
from modelyard.gateway.http_io import json_body, json_response
from modelyard.gateway.inbound_images import edit_request, generation_request
from modelyard.llm_types import ImageRequest, Usage
from modelyard.routing import dispatch
from modelyard.routing.config_store import Caller
from modelyard.routing.policy import check_image_request
from modelyard.routing.resolve import check_available, resolve_model
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig
from modelyard.usage.cost import cost_usd
from modelyard.usage.meter import CallRecord


def _meter(
    ctx: GatewayContext,
    endpoint: str,
    caller: Caller,
    model: ModelConfig,
    deployment: DeploymentConfig,
    usage: Usage,
    status: int,
    started: float,
    started_at: datetime,
    error: str | None = None,
) -> None:
    ctx.meter.record(
        CallRecord(
            workspace_id=caller.workspace_id,
            user_id=caller.user_id,
            api_key_id=caller.api_key_id,
            endpoint=endpoint,
            model_id=model.id,
            model_slug=model.slug,
            deployment_id=deployment.id,
            status=status,
            usage=usage,
            prices=model.prices,
            cost_usd=cost_usd(usage, model.prices),
            latency_ms=(time.perf_counter() - started) * 1000,
            started_at=started_at,
            error=error,
        )
    )


async def embeddings(ctx: GatewayContext, request: Request) -> Response:
    started, started_at = time.perf_counter(), datetime.now(UTC)
    caller = await ctx.authenticate(request.headers.get("authorization"))
    embedding, encoding = inbound.embedding_request(await json_body(request))
    if not embedding.model:
        raise BadRequest("'model' is required.", param="model")
    config = await ctx.config.workspace(caller.workspace_id)
    model = resolve_model(config, caller, embedding.model, "embedding")
    check_available(model)
    deployment = ctx.picker.pick(model)
    try:
        answer = await dispatch.embeddings(ctx.upstream, deployment, embedding)
    except ModelyardError as exc:
        _meter(
            ctx,
            "embeddings",
            caller,
            model,
            deployment,
            Usage(),
            exc.status,
            started,
            started_at,
            exc.message,
        )
        raise
    _meter(ctx, "embeddings", caller, model, deployment, answer.usage, 200, started, started_at)
    headers = {"x-modelyard-model": model.slug, "x-modelyard-deployment": deployment.id}
    return json_response(outbound.embeddings(answer, model.slug, encoding), headers=headers)


async def _images(ctx: GatewayContext, caller: Caller, image: ImageRequest) -> Response:
    started, started_at = time.perf_counter(), datetime.now(UTC)
    if not image.model:
        raise BadRequest("'model' is required.", param="model")
    config = await ctx.config.workspace(caller.workspace_id)
    model = resolve_model(config, caller, image.model, "image")
    check_available(model)
    check_image_request(model, image)
    deployment = ctx.picker.pick(model)
    try:
        answer = await dispatch.images(ctx.upstream, deployment, image)
    except ModelyardError as exc:
        _meter(
            ctx,
            "images",
            caller,
            model,
            deployment,
            Usage(),
            exc.status,
            started,
            started_at,
            exc.message,
        )
        raise
    answer.usage.images = len(answer.images)
    _meter(ctx, "images", caller, model, deployment, answer.usage, 200, started, started_at)
    headers = {"x-modelyard-model": model.slug, "x-modelyard-deployment": deployment.id}
    return json_response(outbound.images(answer, int(time.time())), headers=headers)


async def image_generations(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    return await _images(ctx, caller, generation_request(await json_body(request)))


async def image_edits(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise BadRequest("Image edits take multipart/form-data.", code="unsupported_media_type")
    async with request.form(max_files=17, max_fields=50) as form:
        image = await edit_request(form)
    return await _images(ctx, caller, image)
