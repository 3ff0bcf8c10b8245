"""Embedding texts for knowledge collections, exactly as a member's ``/v1/embeddings`` call.

The model is looked up in the workspace's in-memory configuration snapshot (so a change to it,
such as its similarity threshold, maintenance mode or deployments, applies at once), and every
upstream call goes through :func:`~modelyard.routing.embedding_call.embed_routed`: the same
deployments, fallbacks, limits and usage records as the gateway. Texts are sent in batches
(one usage record each) so a large document is neither one oversized request nor thousands.

Fallbacks: a collection must never hold vectors of two models, so only fallbacks that serve
the same upstream model (same provider model name, e.g. the same embedding model behind
another provider or region) may answer for it; the others are skipped here, where a member's
``/v1/embeddings`` call would use them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from modelyard.errors import Conflict, NotFound, UpstreamError
from modelyard.knowledge.index import Vectors, normalise
from modelyard.providers.http import UpstreamClient
from modelyard.routing.config_store import ConfigStore
from modelyard.routing.embedding_call import Requester, embed_routed
from modelyard.routing.router import Router
from modelyard.routing.snapshot import ModelConfig, WorkspaceConfig
from modelyard.usage.meter import Meter
from modelyard.workspace.model_rules import DEFAULT_SIMILARITY_THRESHOLD

BATCH_TEXTS = 64


class Embedder:
    def __init__(
        self, config: ConfigStore, router: Router, upstream: UpstreamClient, meter: Meter
    ) -> None:
        self._config = config
        self._router = router
        self._upstream = upstream
        self._meter = meter

    async def model(self, who: Requester, model_id: str) -> tuple[WorkspaceConfig, ModelConfig]:
        """The collection's embedding model as the gateway sees it now.

        Hidden models refuse members here as they do on ``/v1/embeddings``: an admin hides a
        model to stop its use, and a knowledge search is a use of it."""
        config = await self._config.workspace(who.workspace_id)
        model = config.models_by_id.get(model_id)
        if model is None or model.kind != "embedding":
            raise Conflict(
                "The embedding model of this collection no longer exists; an admin must choose "
                "another one (PATCH the collection's 'embedding_model_id').",
                code="embedding_model_missing",
            )
        if not model.visible and not who.is_admin:
            raise NotFound(
                f"The embedding model '{model.slug}' of this collection is hidden.",
                code="model_not_found",
            )
        return config, model

    async def embed(
        self,
        who: Requester,
        model_id: str,
        texts: list[str],
        check_dimensions: Callable[[int], None] | None = None,
    ) -> Vectors:
        """Unit vectors of ``texts`` as an ``(n, d)`` float32 matrix.

        ``check_dimensions(d)`` runs after the first batch, so a vector-size mismatch is found
        after one call rather than after embedding everything."""
        import numpy as np

        config, model = await self.model(who, model_id)
        chain = same_vector_space(self._router.chain(config, model))
        parts: list[Vectors] = []
        for start in range(0, len(texts), BATCH_TEXTS):
            batch = texts[start : start + BATCH_TEXTS]
            routed = await embed_routed(
                self._router, self._upstream, self._meter, config, model, batch, who, chain
            )
            vectors = routed.value.vectors
            if len(vectors) != len(batch) or len({len(v) for v in vectors}) != 1:
                raise UpstreamError(
                    f"The embedding model '{routed.model.slug}' answered {len(vectors)} vectors "
                    f"of uneven or wrong count for {len(batch)} texts.",
                    code="bad_embedding_answer",
                )
            matrix = normalise(np.asarray(vectors, dtype=np.float32))
            if parts and matrix.shape[1] != parts[0].shape[1]:
                raise UpstreamError(
                    "The embedding model changed its vector size in the middle of a document.",
                    code="bad_embedding_answer",
                )
            if not parts and check_dimensions is not None:
                check_dimensions(int(matrix.shape[1]))
            parts.append(matrix)
        if not parts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.ascontiguousarray(np.concatenate(parts))


def same_vector_space(chain: list[ModelConfig]) -> list[ModelConfig]:
    """The primary and those of its fallbacks whose vectors are comparable with its own."""
    primary = chain[0]
    return [m for m in chain if m.provider_model_name == primary.provider_model_name]


def threshold_of(model: ModelConfig) -> Decimal:
    """The model's similarity threshold: the minimum cosine score of a match."""
    if model.similarity_threshold is None:
        return DEFAULT_SIMILARITY_THRESHOLD
    return model.similarity_threshold
