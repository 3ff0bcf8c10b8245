"""``POST /v1/embeddings``, ``/v1/images/generations`` and ``/v1/images/edits``."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import BadRequest, ModelyardError
from modelyard.gateway import inbound, outbound
from modelyard.gateway.context import CallMeter, GatewayContext
from modelyard.gateway.http_io import json_body, json_response
from modelyard.gateway.inbound_images import edit_request, generation_request
from modelyard.llm_types import EmbeddingResponse, ImageRequest, ImageResponse
from modelyard.operations import tracing
from modelyard.request_ids import request_id_of
from modelyard.routing import dispatch
from modelyard.routing.config_store import Caller
from modelyard.routing.policy import check_image_request
from modelyard.routing.resolve import resolve_model
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig
from modelyard.routing.tokens import CHARS_PER_TOKEN, estimate_text_tokens

# Reserved against an image deployment's TPM per image, settled with the real usage after.
IMAGE_TOKENS_ESTIMATE = 1056


async def embeddings(ctx: GatewayContext, request: Request) -> Response:
    started, started_at = time.perf_counter(), datetime.now(UTC)
    caller = await ctx.authenticate(request.headers.get("authorization"))
    embedding, encoding = inbound.embedding_request(await json_body(request))
    if not embedding.model:
        raise BadRequest("'model' is required.", param="model")
    if tracing.ON:
        tracing.started("embeddings", embedding.model)
    config = await ctx.config.workspace(caller.workspace_id)
    primary = resolve_model(config, caller, embedding.model, "embedding")
    meter = CallMeter(
        ctx,
        caller,
        "embeddings",
        primary,
        started,
        started_at,
        request_id=request_id_of(request.scope),
    )
    texts = [t for t in embedding.inputs if isinstance(t, str)]
    tokens = estimate_text_tokens(texts) + sum(
        len(t) for t in embedding.inputs if isinstance(t, list)
    )
    meter.expect(tokens)
    chain = ctx.router.chain(config, await meter.admit(config, primary))

    async def call(model: ModelConfig, deployment: DeploymentConfig) -> EmbeddingResponse:
        return await dispatch.embeddings(ctx.upstream, deployment, embedding)

    try:
        routed = await ctx.router.route(chain, lambda _m: tokens, meter.upstream(call), meter.path)
    except ModelyardError as exc:
        meter.failed(exc)
        if tracing.ON:
            tracing.failed(exc)
        raise
    meter.done(routed, routed.value.usage)
    if tracing.ON:
        tracing.answered(routed.model, routed.deployment, routed.value.usage)
    await ctx.router.settle(routed, routed.value.usage.total_tokens)
    headers = {
        "x-modelyard-model": routed.model.slug,
        "x-modelyard-deployment": routed.deployment.id,
    }
    return json_response(
        outbound.embeddings(routed.value, routed.model.slug, encoding), headers=headers
    )


async def _images(
    ctx: GatewayContext, caller: Caller, image: ImageRequest, request_id: str | None
) -> Response:
    started, started_at = time.perf_counter(), datetime.now(UTC)
    if not image.model:
        raise BadRequest("'model' is required.", param="model")
    if tracing.ON:
        tracing.started("generate_content", image.model)
    config = await ctx.config.workspace(caller.workspace_id)
    primary = resolve_model(config, caller, image.model, "image")
    check_image_request(primary, image)
    meter = CallMeter(ctx, caller, "images", primary, started, started_at, request_id=request_id)
    quota = (primary.max_images_count, primary.max_images_window_hours)
    if quota[0] and quota[1]:
        try:
            await ctx.quota.take(
                caller.workspace_id, primary.id, caller.user_id, image.n, quota[0], quota[1]
            )
        except ModelyardError as exc:
            meter.failed(exc)
            raise
    prompt, output = len(image.prompt) // CHARS_PER_TOKEN, IMAGE_TOKENS_ESTIMATE * image.n
    tokens = prompt + output
    meter.expect(prompt, output, images=image.n)
    try:
        chain = ctx.router.chain(config, await meter.admit(config, primary))
    except ModelyardError:
        if quota[0] and quota[1]:
            await ctx.quota.give_back(caller.workspace_id, primary.id, caller.user_id, image.n)
        raise

    def prepare(model: ModelConfig) -> int:
        check_image_request(model, image)
        return tokens

    async def call(model: ModelConfig, deployment: DeploymentConfig) -> ImageResponse:
        return await dispatch.images(ctx.upstream, deployment, image)

    try:
        routed = await ctx.router.route(chain, prepare, meter.upstream(call), meter.path)
    except ModelyardError as exc:
        if quota[0] and quota[1]:
            await ctx.quota.give_back(caller.workspace_id, primary.id, caller.user_id, image.n)
        meter.failed(exc)
        if tracing.ON:
            tracing.failed(exc)
        raise
    answer = routed.value
    answer.usage.images = len(answer.images)
    meter.done(routed, answer.usage)
    if tracing.ON:
        tracing.answered(routed.model, routed.deployment, answer.usage)
    await ctx.router.settle(routed, answer.usage.total_tokens or tokens)
    headers = {
        "x-modelyard-model": routed.model.slug,
        "x-modelyard-deployment": routed.deployment.id,
    }
    return json_response(outbound.images(answer, int(time.time())), headers=headers)


async def image_generations(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    image = generation_request(await json_body(request))
    return await _images(ctx, caller, image, request_id_of(request.scope))


async def image_edits(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise BadRequest("Image edits take multipart/form-data.", code="unsupported_media_type")
    form = await _parse_form(request)
    try:
        image = await edit_request(form)
    finally:
        await form.close()
    return await _images(ctx, caller, image, request_id_of(request.scope))


async def _parse_form(request: Request) -> FormData:
    """The multipart body, or a 400 naming what is wrong with it (never an unhandled error)."""
    try:
        return await request.form(max_files=17, max_fields=50)
    except MultiPartException as exc:
        message = exc.message
    except HTTPException as exc:  # Starlette's wrapping of MultiPartException inside an app
        message = str(exc.detail)
    except (ValueError, LookupError) as exc:
        # python-multipart refuses a boundary over 256 characters with a ValueError; other
        # malformed headers surface as these.
        message = str(exc) or type(exc).__name__
    raise BadRequest(
        f"Malformed multipart/form-data body: {message}", code="invalid_multipart"
    ) from None
