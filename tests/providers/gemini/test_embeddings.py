"""Gemini embeddings: ``batchEmbedContents`` requests, vectors read back, usage estimated."""

from __future__ import annotations

import orjson
import pytest

from modelyard.errors import BadRequest
from modelyard.llm_types import EmbeddingRequest, Usage
from modelyard.providers.base import UpstreamProtocolError
from modelyard.providers.gemini import EMBEDDING_WIRE, GeminiEmbeddingWire, estimated_usage
from tests.providers.gemini import SECRET, target


def test_build_embeddings() -> None:
    request = EmbeddingRequest("gemini-embedding-001", ["hello", "world!"], dimensions=768)
    built = EMBEDDING_WIRE.build_embeddings(request, target("gemini-embedding-001"))
    assert built.url.endswith("/v1beta/models/gemini-embedding-001:batchEmbedContents")
    assert built.headers == {"x-goog-api-key": SECRET}
    assert built.json == {
        "requests": [
            {
                "model": "models/gemini-embedding-001",
                "content": {"parts": [{"text": text}]},
                "outputDimensionality": 768,
            }
            for text in ("hello", "world!")
        ]
    }
    with pytest.raises(BadRequest, match="Gemini embeddings take text input") as caught:
        EMBEDDING_WIRE.build_embeddings(EmbeddingRequest("m", [[1, 2]]), target())
    assert caught.value.param == "input"


def test_parse_embeddings() -> None:
    body = orjson.dumps({"embeddings": [{"values": [0.5, 1]}, {"values": [-1.0, 0]}]})
    parsed = EMBEDDING_WIRE.parse_embeddings(body)
    assert parsed.vectors == [[0.5, 1.0], [-1.0, 0.0]]
    assert parsed.usage == Usage()
    request = EmbeddingRequest("gemini-embedding-001", ["hello", "world!"])
    with_request = GeminiEmbeddingWire().parse_embeddings(body, request)
    assert with_request.usage == Usage(input_tokens=2 + 2) == estimated_usage(request)
    for bad in (b"{}", b'{"embeddings": [{}]}', b'{"embeddings": [{"values": ["x"]}]}', b"oops"):
        with pytest.raises(UpstreamProtocolError):
            EMBEDDING_WIRE.parse_embeddings(bad)
    with pytest.raises(UpstreamProtocolError, match="2 embeddings for 1 inputs"):
        GeminiEmbeddingWire().parse_embeddings(body, EmbeddingRequest("m", ["x"]))
