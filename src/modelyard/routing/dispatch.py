"""Sending one call to one deployment through its wire adapter, and mapping upstream failures
onto our error tree (so a provider's 401 is never mistaken for the caller's).

A chat call's provider data (thinking signatures) is bound to the deployment's provider and
model identifier: data from another origin is dropped before the request is built, and the
answer's is stamped with this deployment's origin (:mod:`modelyard.llm_types.provider_data`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import orjson

from modelyard.errors import BadRequest, ModelyardError, RateLimited, UpstreamError, UpstreamTimeout
from modelyard.llm_types import (
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    ImageRequest,
    ImageResponse,
    StreamEvent,
    bind_answer,
    bind_events,
    origin_of,
    strip_foreign_provider_data,
)
from modelyard.providers.http import UpstreamClient, UpstreamReply
from modelyard.providers.registry import chat_wire, embedding_wire, image_wire
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig

MAX_PROVIDER_MESSAGE = 300


def _provider_message(message: str | None, deployment: DeploymentConfig) -> str:
    """The provider's own words, shortened and with the key scrubbed out, just in case."""
    if not message:
        return ""
    secret = deployment.target.secret
    if secret:
        message = message.replace(secret, "[key]")
    return message[:MAX_PROVIDER_MESSAGE]


def _retry_after(headers: dict[str, str]) -> float:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(0.0, float(lowered[name]) * scale)
        except (KeyError, ValueError):
            continue
    return 1.0


def upstream_failure(
    reply: UpstreamReply, message: str | None, deployment: DeploymentConfig
) -> ModelyardError:
    """The error to raise for a non-2xx upstream answer."""
    status = reply.status
    said = _provider_message(message, deployment)
    suffix = f": {said}" if said else "."
    if status == 429:
        return RateLimited(
            f"The provider is rate-limiting deployment '{deployment.id}'{suffix}",
            retry_after=_retry_after(reply.headers),
            code="upstream_rate_limited",
        )
    if status in (401, 403):
        return UpstreamError(
            f"The provider refused the credentials of deployment '{deployment.id}' "
            f"(HTTP {status}); an admin must check its model key.",
            code="upstream_auth_failed",
        )
    if status in (408, 504):
        return UpstreamTimeout(f"The provider timed out (HTTP {status}).", code="upstream_timeout")
    if status == 404:
        return UpstreamError(
            f"The provider does not know the model identifier of deployment "
            f"'{deployment.id}'{suffix}",
            code="upstream_not_found",
        )
    if 400 <= status < 500:
        return BadRequest(f"The provider rejected the request{suffix}", code="upstream_bad_request")
    return UpstreamError(
        f"The provider failed (HTTP {status}) on deployment '{deployment.id}'{suffix}",
        code="upstream_error",
    )


async def chat(
    client: UpstreamClient, model: ModelConfig, deployment: DeploymentConfig, request: ChatRequest
) -> ChatResponse:
    target = deployment.target
    wire = chat_wire(target.provider, responses_api=model.capabilities.responses_api)
    origin = origin_of(target.provider, target.model)
    request = strip_foreign_provider_data(request, origin)
    upstream = wire.build_chat(replace(request, model=target.model, stream=False), target)
    reply = await client.send(upstream)
    if reply.status >= 300:
        raise upstream_failure(reply, wire.error_message(reply.body), deployment)
    return bind_answer(wire.parse_chat(reply.body), origin)


async def chat_stream(
    client: UpstreamClient, model: ModelConfig, deployment: DeploymentConfig, request: ChatRequest
) -> AsyncIterator[list[StreamEvent]]:
    """Open the upstream stream (errors before the first byte raise here) and return its events,
    in batches: all the events of one network read together, so they can leave together.

    The iterator raises :class:`UpstreamError` when the stream breaks off or ends unfinished.
    """
    target = deployment.target
    wire = chat_wire(target.provider, responses_api=model.capabilities.responses_api)
    origin = origin_of(target.provider, target.model)
    request = strip_foreign_provider_data(request, origin)
    upstream = wire.build_chat(replace(request, model=target.model, stream=True), target)
    reply, chunks = await client.open_stream(upstream)
    if chunks is None:
        raise upstream_failure(reply, wire.error_message(reply.body), deployment)
    decoder = wire.stream_decoder()

    async def batches() -> AsyncIterator[list[StreamEvent]]:
        async for chunk in chunks:
            events = decoder.feed(chunk)
            if events:
                yield bind_events(events, origin)
        if not decoder.finished:
            raise UpstreamError("The provider's stream ended before the answer was complete.")

    return batches()


async def embeddings(
    client: UpstreamClient, deployment: DeploymentConfig, request: EmbeddingRequest
) -> EmbeddingResponse:
    target = deployment.target
    wire = embedding_wire(target.provider)
    reply = await client.send(wire.build_embeddings(replace(request, model=target.model), target))
    if reply.status >= 300:
        raise upstream_failure(reply, wire.error_message(reply.body), deployment)
    return wire.parse_embeddings(reply.body, request)


async def images(
    client: UpstreamClient, deployment: DeploymentConfig, request: ImageRequest
) -> ImageResponse:
    target = deployment.target
    wire = image_wire(target.provider)
    reply = await client.send(wire.build_images(replace(request, model=target.model), target))
    if reply.status >= 300:
        raise upstream_failure(reply, wire.error_message(reply.body), deployment)
    return wire.parse_images(reply.body)


def error_event(error: ModelyardError) -> bytes:
    """An in-stream error, as OpenAI sends one: ``data: {"error": {...}}``."""
    return b"data: " + orjson.dumps(error.body()) + b"\n\n"
