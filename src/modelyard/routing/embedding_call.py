"""One embeddings call made on someone's behalf: routed, limited, settled and metered.

``/v1/embeddings`` (``gateway/media.py``) does these steps inline for a member's call. Knowledge
collections embed documents and queries through exactly the same steps: the model's chain of
deployments and fallbacks, their limits and health, and one usage record per upstream call
(success or failure) with the unit prices in force. Keeping them here, below the entry points,
lets the knowledge domain and the gateway share them without importing each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from modelyard.errors import ModelyardError
from modelyard.llm_types import EmbeddingRequest, EmbeddingResponse, Usage
from modelyard.providers.http import UpstreamClient
from modelyard.routing import dispatch
from modelyard.routing.router import Routed, Router
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig, WorkspaceConfig
from modelyard.routing.tokens import estimate_text_tokens
from modelyard.usage.cost import cost_usd
from modelyard.usage.meter import CallRecord, Meter


@dataclass(frozen=True, slots=True)
class Requester:
    """Whose call it is: the usage record's owner, and whether hidden models are theirs to use.

    ``api_key_id`` is None when the call did not come with an API key of its own (the admin
    API authenticates the user, not a particular key)."""

    workspace_id: str
    user_id: str
    api_key_id: str | None
    is_admin: bool


def _record(
    who: Requester,
    model: ModelConfig,
    deployment_id: str | None,
    usage: Usage,
    error: ModelyardError | None,
    started: float,
    started_at: datetime,
    path: list[str],
) -> CallRecord:
    return CallRecord(
        workspace_id=who.workspace_id,
        user_id=who.user_id,
        api_key_id=who.api_key_id,
        endpoint="embeddings",
        model_id=model.id,
        model_slug=model.slug,
        deployment_id=deployment_id,
        status=error.status if error is not None else 200,
        usage=usage,
        prices=model.prices,
        cost_usd=cost_usd(usage, model.prices),
        latency_ms=(time.perf_counter() - started) * 1000,
        started_at=started_at,
        fallback_path=list(path),
        error=error.message if error is not None else None,
    )


async def embed_routed(
    router: Router,
    upstream: UpstreamClient,
    meter: Meter,
    config: WorkspaceConfig,
    primary: ModelConfig,
    texts: list[str],
    who: Requester,
    chain: list[ModelConfig] | None = None,
) -> Routed[EmbeddingResponse]:
    """Embed ``texts`` with ``primary`` (or its fallbacks) and record the call's usage.

    ``chain`` replaces the primary's usual chain (the primary first) when the caller must
    restrict which fallbacks may answer."""
    started, started_at = time.perf_counter(), datetime.now(UTC)
    request = EmbeddingRequest(model=primary.slug, inputs=texts)
    tokens = estimate_text_tokens(texts)
    path: list[str] = []

    async def call(_model: ModelConfig, deployment: DeploymentConfig) -> EmbeddingResponse:
        return await dispatch.embeddings(upstream, deployment, request)

    try:
        models = chain if chain is not None else router.chain(config, primary)
        routed = await router.route(models, lambda _m: tokens, call, path)
    except ModelyardError as exc:
        meter.record(_record(who, primary, None, Usage(), exc, started, started_at, path))
        raise
    usage = routed.value.usage
    meter.record(
        _record(who, routed.model, routed.deployment.id, usage, None, started, started_at, path)
    )
    await router.settle(routed, usage.total_tokens)
    return routed
