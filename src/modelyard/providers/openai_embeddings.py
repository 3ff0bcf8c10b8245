"""OpenAI's embeddings wire format (operation ``embeddings``).

``WIRE`` implements :class:`~modelyard.providers.base.EmbeddingWire` for OpenAI, Azure, Mistral,
xAI and OpenAI-compatible servers. Vectors are asked for as ``encoding_format: "base64"``
(little-endian float32: a quarter of the JSON and no float parsing) and decoded back to lists;
plain float lists are accepted too, for servers that ignore the format. Vectors are returned in
input order (by each item's ``index``). Mistral calls ``dimensions`` ``output_dimension``.
"""

from __future__ import annotations

import base64
import binascii
import struct
from typing import Any

from modelyard.llm_types import EmbeddingRequest, EmbeddingResponse, Usage
from modelyard.providers.base import Target, UpstreamRequest
from modelyard.providers.openai_chat.common import (
    as_object,
    as_str,
    error_message,
    load_object,
    malformed,
    raise_for_error,
    token_count,
)

OPERATION = "embeddings"
WHO = "The embeddings API"

_DIMENSIONS_FIELD = {"mistral": "output_dimension"}


def build_embeddings(request: EmbeddingRequest, target: Target) -> UpstreamRequest:
    body: dict[str, Any] = {
        "model": request.model,
        "input": request.inputs,
        "encoding_format": "base64",
    }
    if request.dimensions is not None:
        body[_DIMENSIONS_FIELD.get(target.provider, "dimensions")] = request.dimensions
    if request.user is not None and target.provider != "mistral":
        body["user"] = request.user
    return UpstreamRequest(url=target.url(OPERATION), headers=target.headers(), json=body)


def parse_embeddings(body: bytes) -> EmbeddingResponse:
    data = load_object(body, WHO)
    raise_for_error(data)
    items = data.get("data")
    if not isinstance(items, list):
        raise malformed("the answer has no data list", WHO)
    indexed: list[tuple[int, list[float]]] = []
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise malformed("an embedding is not an object", WHO)
        index = item.get("index", position)
        if not isinstance(index, int) or isinstance(index, bool):
            raise malformed("an embedding's index is not an integer", WHO)
        indexed.append((index, _vector(item.get("embedding"))))
    indexed.sort(key=lambda pair: pair[0])
    usage = as_object(data.get("usage"))
    tokens = token_count(usage.get("prompt_tokens"), WHO, "prompt_tokens") or token_count(
        usage.get("total_tokens"), WHO, "total_tokens"
    )
    return EmbeddingResponse(
        vectors=[vector for _, vector in indexed],
        usage=Usage(input_tokens=tokens),
        model=as_str(data.get("model")),
    )


def _vector(value: Any) -> list[float]:
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise malformed("an embedding is not valid base64", WHO) from None
        if len(raw) % 4:
            raise malformed("a base64 embedding is not a whole number of float32", WHO)
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    if isinstance(value, list) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value
    ):
        return [float(x) for x in value]
    raise malformed("an embedding is neither base64 nor a list of numbers", WHO)


class OpenAIEmbeddingWire:
    """The embeddings API as an :class:`~modelyard.providers.base.EmbeddingWire`."""

    def build_embeddings(self, request: EmbeddingRequest, target: Target) -> UpstreamRequest:
        return build_embeddings(request, target)

    def parse_embeddings(
        self, body: bytes, request: EmbeddingRequest | None = None
    ) -> EmbeddingResponse:
        return parse_embeddings(body)

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)


WIRE = OpenAIEmbeddingWire()
