"""Sending one call to one deployment through its wire adapter, and mapping upstream failures
onto our error tree (so a provider's 401 is never mistaken for the caller's).

A chat call's provider data (thinking signatures) is bound to the deployment's provider and
model identifier: data from another origin is dropped before the request is built, and the
answer's is stamped with this deployment's origin (:mod:`modelyard.llm_types.provider_data`).
"""

from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)

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
    """The error to raise for a non-2xx upstream answer.

    Its message is for members (no deployment id, none of the provider's words: they may name
    accounts, organizations or model identifiers); the detail carries both for admins and logs.
    """
    status = reply.status
    said = _provider_message(message, deployment)
    detail = f"deployment '{deployment.id}' got HTTP {status} from the provider" + (
        f": {said}" if said else ""
    )
    if status == 429:
        return RateLimited(
            "The provider is rate-limiting the model; retry shortly.",
            retry_after=_retry_after(reply.headers),
            code="upstream_rate_limited",
            detail=detail,
        )
    if status in (401, 403):
        return UpstreamError(
            "The provider refused the workspace's credentials for this model; "
            "ask an admin to check its model key.",
            code="upstream_auth_failed",
            detail=detail,
        )
    if status in (408, 504):
        return UpstreamTimeout(
            "The provider timed out; try again.", code="upstream_timeout", detail=detail
        )
    if status == 404:
        return UpstreamError(
            "The provider does not know this model's identifier; ask an admin to check its "
            "deployments.",
            code="upstream_not_found",
            detail=detail,
        )
    if 400 <= status < 500:
        return BadRequest(
            "The provider rejected the request; check its parameters and content (an admin "
            "can see the provider's reason).",
            code="upstream_bad_request",
            detail=detail,
        )
    return UpstreamError(
        "The provider failed to answer; try again later or choose another model.",
        code="upstream_error",
        detail=detail,
    )


def _concealed(error: ModelyardError, deployment: DeploymentConfig) -> ModelyardError:
    """An error raised while talking to a provider (its answer unreadable, its stream broken),
    whose message may quote the provider: members get a plain one, admins the rest."""
    if error.detail is None:
        error.conceal(
            "The provider's answer was malformed or broke off; try again."
            if not isinstance(error, UpstreamTimeout)
            else "The provider did not answer in time; try again.",
            f"deployment '{deployment.id}'",
        )
    return error


def name_model(error: ModelyardError, slug: str) -> ModelyardError:
    """Say which model the member called in an upstream failure's (member-safe) message."""
    if not error.message.startswith("The model '"):
        said = error.message
        error.message = f"The model '{slug}' could not answer: {said[:1].lower()}{said[1:]}"
        error.args = (error.message,)
    return error


_CARRIED_BY_DEFAULT = frozenset({"stop"})
"""What a chat wire that declares no ``carries`` is taken to carry of ChatRequest.uncarried's
answer-changing options."""


def refuse_uncarried(wire: object, request: ChatRequest, slug: str) -> None:
    """400 naming the parameter and the model when the wire would drop an option that changes
    the answer (``logprobs`` to Anthropic, ``logit_bias`` to Gemini...): never accepted and lost."""
    param = request.uncarried(getattr(wire, "carries", _CARRIED_BY_DEFAULT))
    if param is not None:
        raise BadRequest(
            f"The model '{slug}' does not support '{param}' (its provider's API has no such "
            "parameter); leave it out or choose another model.",
            param=param,
            code="unsupported_parameter",
        )


async def chat(
    client: UpstreamClient, model: ModelConfig, deployment: DeploymentConfig, request: ChatRequest
) -> ChatResponse:
    target = deployment.target
    wire = chat_wire(target.provider, responses_api=model.capabilities.responses_api)
    refuse_uncarried(wire, request, model.slug)
    origin = origin_of(target.provider, target.model)
    request = strip_foreign_provider_data(request, origin)
    upstream = wire.build_chat(request.replaced(model=target.model, stream=False), target)
    try:
        reply = await client.send(upstream)
        if reply.status >= 300:
            raise upstream_failure(reply, wire.error_message(reply.body), deployment)
        return bind_answer(wire.parse_chat(reply.body), origin)
    except UpstreamError as exc:
        raise _concealed(exc, deployment) from None


async def chat_stream(
    client: UpstreamClient, model: ModelConfig, deployment: DeploymentConfig, request: ChatRequest
) -> AsyncIterator[list[StreamEvent]]:
    """Open the upstream stream (errors before the first byte raise here) and return its events,
    in batches: all the events of one network read together, so they can leave together.

    The iterator raises :class:`UpstreamError` when the stream breaks off or ends unfinished.
    """
    target = deployment.target
    wire = chat_wire(target.provider, responses_api=model.capabilities.responses_api)
    refuse_uncarried(wire, request, model.slug)
    origin = origin_of(target.provider, target.model)
    request = strip_foreign_provider_data(request, origin)
    upstream = wire.build_chat(request.replaced(model=target.model, stream=True), target)
    try:
        reply, chunks = await client.open_stream(upstream)
    except UpstreamError as exc:
        raise _concealed(exc, deployment) from None
    if chunks is None:
        raise upstream_failure(reply, wire.error_message(reply.body), deployment)
    decoder = wire.stream_decoder()

    async def batches() -> AsyncIterator[list[StreamEvent]]:
        try:
            async for chunk in chunks:
                events = decoder.feed(chunk)
                if events:
                    yield bind_events(events, origin)
            if not decoder.finished:
                raise UpstreamError("The provider's stream ended before the answer was complete.")
        except UpstreamError as exc:
            # Past the first event nothing can fall back: say which model broke off.
            raise name_model(_concealed(exc, deployment), model.slug) from None

    return batches()


async def embeddings(
    client: UpstreamClient, deployment: DeploymentConfig, request: EmbeddingRequest
) -> EmbeddingResponse:
    target = deployment.target
    wire = embedding_wire(target.provider)
    try:
        reply = await client.send(
            wire.build_embeddings(replace(request, model=target.model), target)
        )
        if reply.status >= 300:
            raise upstream_failure(reply, wire.error_message(reply.body), deployment)
        return wire.parse_embeddings(reply.body, request)
    except UpstreamError as exc:
        raise _concealed(exc, deployment) from None


async def images(
    client: UpstreamClient, deployment: DeploymentConfig, request: ImageRequest
) -> ImageResponse:
    target = deployment.target
    wire = image_wire(target.provider)
    try:
        reply = await client.send(wire.build_images(replace(request, model=target.model), target))
        if reply.status >= 300:
            raise upstream_failure(reply, wire.error_message(reply.body), deployment)
        return wire.parse_images(reply.body)
    except UpstreamError as exc:
        raise _concealed(exc, deployment) from None


def error_event(error: ModelyardError) -> bytes:
    """An in-stream error, as OpenAI sends one: ``data: {"error": {...}}``; its member-safe
    message only (the caller's role is not known here), its detail to the log."""
    if error.detail:
        log.warning("stream ended with an error: %s", error.admin_message)
    return b"data: " + orjson.dumps(error.body()) + b"\n\n"
