"""Gemini embeddings: ``batchEmbedContents``, one request per input text.

Gemini embeds text only: token-id inputs are refused with :class:`BadRequest`.

Usage: ``batchEmbedContents`` returns no usage at all, and :meth:`parse_embeddings` sees only
the answer. Given the request (``parse_embeddings(body, request)``) it estimates the input
tokens as ``ceil(chars / 4)`` per text; without it the usage is zero and the caller should use
:func:`estimated_usage`.
"""

from __future__ import annotations

from typing import Any

from modelyard.errors import BadRequest
from modelyard.llm_types import EmbeddingRequest, EmbeddingResponse, Usage
from modelyard.providers.base import Target, UpstreamRequest
from modelyard.providers.gemini.common import (
    error_message,
    estimate_tokens,
    load_object,
    malformed,
)


def estimated_usage(request: EmbeddingRequest) -> Usage:
    """Input tokens estimated as ``ceil(chars / 4)`` per text (Gemini reports none)."""
    return Usage(input_tokens=sum(estimate_tokens(t) for t in request.inputs if isinstance(t, str)))


class GeminiEmbeddingWire:
    def build_embeddings(self, request: EmbeddingRequest, target: Target) -> UpstreamRequest:
        model = "models/" + target.model.removeprefix("models/")
        requests: list[dict[str, Any]] = []
        for text in request.inputs:
            if not isinstance(text, str):
                raise BadRequest(
                    "Token-array input is not supported: Gemini embeddings take text input, and "
                    "token ids are OpenAI's (tiktoken), which Gemini cannot read. Send the "
                    "texts themselves; with LangChain's OpenAIEmbeddings set "
                    "check_embedding_ctx_length=False (or tiktoken_enabled=False), which "
                    "sends text instead of token arrays.",
                    param="input",
                    code="token_input_not_supported",
                )
            item: dict[str, Any] = {"model": model, "content": {"parts": [{"text": text}]}}
            if request.dimensions is not None:
                item["outputDimensionality"] = request.dimensions
            requests.append(item)
        return UpstreamRequest(
            url=target.url("batchEmbedContents"),
            headers=target.headers(),
            json={"requests": requests},
        )

    def parse_embeddings(
        self, body: bytes, request: EmbeddingRequest | None = None
    ) -> EmbeddingResponse:
        embeddings = load_object(body).get("embeddings")
        if not isinstance(embeddings, list):
            malformed("no embeddings")
        vectors = [_values(e) for e in embeddings]
        if request is not None and len(vectors) != len(request.inputs):
            malformed(f"{len(vectors)} embeddings for {len(request.inputs)} inputs")
        usage = estimated_usage(request) if request is not None else Usage()
        return EmbeddingResponse(
            vectors=vectors, usage=usage, model=request.model if request else ""
        )

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)


def _values(embedding: Any) -> list[float]:
    values = embedding.get("values") if isinstance(embedding, dict) else None
    if not isinstance(values, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        malformed("an embedding has no values")
    return [float(v) for v in values]
