"""The embeddings wire: base64 vectors asked for and decoded, order by index, round trips."""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

import httpx
import orjson
import pytest
from openai.types import CreateEmbeddingResponse

from modelyard.errors import UpstreamError
from modelyard.llm_types import EmbeddingRequest, Usage
from modelyard.providers.base import Target, UpstreamProtocolError
from modelyard.providers.openai_embeddings import WIRE
from modelyard.testing import FakeProvider
from tests.providers import roundtrip
from tests.providers.roundtrip import API_VERSION, AZURE_KEY, SECRET, send

MALFORMED = r"^The embeddings API sent a malformed response: "


def target(
    provider: str = "openai", base_url: str | None = None, model: str = "text-embedding-3-small"
) -> Target:
    return roundtrip.target(provider, model, base_url)


def packed(*values: float) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


# --- request -----------------------------------------------------------------------------------


def test_request_asks_for_base64() -> None:
    built = WIRE.build_embeddings(EmbeddingRequest("text-embedding-3-small", ["a", "b"]), target())
    assert built.url == "https://api.openai.com/v1/embeddings"
    assert built.headers == {"authorization": f"Bearer {SECRET}"}
    assert built.json == {
        "model": "text-embedding-3-small",
        "input": ["a", "b"],
        "encoding_format": "base64",
    }


def test_dimensions_user_and_token_inputs() -> None:
    request = EmbeddingRequest("text-embedding-3-large", [[1, 2, 3]], dimensions=256, user="u")
    body = WIRE.build_embeddings(request, target()).json
    assert body == {
        "model": "text-embedding-3-large",
        "input": [[1, 2, 3]],
        "encoding_format": "base64",
        "dimensions": 256,
        "user": "u",
    }


def test_mistral_names_dimensions_output_dimension() -> None:
    request = EmbeddingRequest("codestral-embed", ["a"], dimensions=256, user="u")
    body = WIRE.build_embeddings(request, target("mistral")).json
    assert body is not None
    assert body["output_dimension"] == 256
    assert not {"dimensions", "user"} & set(body)


# --- response ----------------------------------------------------------------------------------


def answer(*embeddings: Any, usage: Any = None) -> dict[str, Any]:
    return {
        "object": "list",
        "model": "text-embedding-3-small",
        "data": [
            {"object": "embedding", "index": index, "embedding": value}
            for index, value in embeddings
        ],
        "usage": usage or {"prompt_tokens": 6, "total_tokens": 6},
    }


def test_parse_base64_in_index_order() -> None:
    raw = orjson.dumps(answer((1, packed(0.0, 1.0)), (0, packed(0.6, -0.8))))
    CreateEmbeddingResponse.model_validate_json(orjson.dumps(answer((0, [0.1]))))
    parsed = WIRE.parse_embeddings(raw)
    assert parsed.model == "text-embedding-3-small"
    assert parsed.usage == Usage(input_tokens=6)
    assert [[round(x, 6) for x in v] for v in parsed.vectors] == [[0.6, -0.8], [0.0, 1.0]]


def test_parse_float_lists_too() -> None:
    raw = orjson.dumps(answer((0, [0.25, -1, 0.5]), usage={"prompt_tokens": 2, "total_tokens": 2}))
    CreateEmbeddingResponse.model_validate_json(raw)
    parsed = WIRE.parse_embeddings(raw)
    assert parsed.vectors == [[0.25, -1.0, 0.5]]
    assert isinstance(parsed.vectors[0][1], float)
    assert parsed.usage == Usage(input_tokens=2)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"data": [',
        b'{"object": "list"}',
        orjson.dumps(answer((0, "not base64!"))),
        orjson.dumps(answer((0, base64.b64encode(b"abc").decode()))),
        orjson.dumps(answer((0, ["x"]))),
        orjson.dumps(answer((0, None))),
        orjson.dumps(answer(("first", [0.1]))),
        orjson.dumps({**answer((0, [0.1])), "data": ["x"]}),
        orjson.dumps(answer((0, [0.1]), usage={"prompt_tokens": "6"})),
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_embeddings(body)


def test_errors() -> None:
    body = b'{"error": {"message": "Too many inputs", "type": "invalid_request_error"}}'
    assert WIRE.error_message(body) == "Too many inputs"
    with pytest.raises(UpstreamError, match="Too many inputs"):
        WIRE.parse_embeddings(body)


# --- round trips through the fake provider ------------------------------------------------------


def test_round_trip_exact_vectors(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = EmbeddingRequest("fake-embed-16", ["vec:1,0", "vec:0.6,0.8", "hello world"])
    response = send(http, WIRE.build_embeddings(request, target(base_url=f"{fake.url}/v1")))
    assert response.status_code == 200, response.text
    parsed = WIRE.parse_embeddings(response.content)
    assert len(parsed.vectors) == 3 and all(len(v) == 16 for v in parsed.vectors)
    first, second, third = parsed.vectors
    assert sum(a * b for a, b in zip(first, second, strict=True)) == pytest.approx(0.6, abs=1e-6)
    assert math.fsum(x * x for x in third) == pytest.approx(1.0, abs=1e-5)
    assert parsed.usage == Usage(input_tokens=2 + 3 + 3)
    [logged] = fake.requests()
    assert logged["path"] == "/v1/embeddings"
    assert logged["body"]["encoding_format"] == "base64"
    assert logged["headers"]["authorization"] == f"Bearer {SECRET}"


def test_round_trip_dimensions_and_token_arrays(fake: FakeProvider, http: httpx.Client) -> None:
    request = EmbeddingRequest("text-embedding-3-small", [[1, 2, 3], [4]], dimensions=16)
    parsed = WIRE.parse_embeddings(
        send(http, WIRE.build_embeddings(request, target(base_url=f"{fake.url}/v1"))).content
    )
    assert [len(v) for v in parsed.vectors] == [16, 16]
    assert parsed.usage == Usage(input_tokens=4)


def test_round_trip_azure(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = EmbeddingRequest("embed-deployment", ["vec:0,1"], dimensions=3)
    upstream = WIRE.build_embeddings(request, target("azure", fake.url, "embed-deployment"))
    response = send(http, upstream)
    assert response.status_code == 200, response.text
    parsed = WIRE.parse_embeddings(response.content)
    assert [[round(x, 6) for x in v] for v in parsed.vectors] == [[0.0, 1.0, 0.0]]
    [logged] = fake.requests()
    assert logged["path"] == "/openai/deployments/embed-deployment/embeddings"
    assert logged["query"] == {"api-version": API_VERSION}
    assert logged["headers"]["api-key"] == AZURE_KEY


def test_round_trip_errors(fake: FakeProvider, http: httpx.Client) -> None:
    request = EmbeddingRequest("fail-400", ["x"])
    response = send(http, WIRE.build_embeddings(request, target(base_url=f"{fake.url}/v1")))
    assert response.status_code == 400 and WIRE.error_message(response.content)
    request = EmbeddingRequest("fail-garbage", ["x"])
    response = send(http, WIRE.build_embeddings(request, target(base_url=f"{fake.url}/v1")))
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_embeddings(response.content)
