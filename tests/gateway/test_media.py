"""Embeddings and images through the gateway with the OpenAI SDK."""

from __future__ import annotations

import math

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk, upstream_requests
from tests.support import Workspace

EMBEDDING_PROVIDERS = [
    ("openai", "openai"),
    ("azure", "openai"),
    ("google", "google"),
    ("mistral", "mistral"),
]


@pytest.mark.parametrize(("key_provider", "provider"), EMBEDDING_PROVIDERS)
def test_embeddings(ws: Workspace, fake: FakeProvider, key_provider: str, provider: str) -> None:
    model = add_model(
        ws,
        fake,
        kind="embedding",
        provider=provider,
        key_provider=key_provider,
        identifier="fake-embed-16",
    )
    client = sdk(ws)
    answer = client.embeddings.create(
        model=model["slug"], input=["vec:1,0", "vec:0.6,0.8", "hello"]
    )
    vectors = [d.embedding for d in answer.data]
    assert [len(v) for v in vectors] == [16, 16, 16]
    cosine = sum(a * b for a, b in zip(vectors[0], vectors[1], strict=True))
    assert math.isclose(cosine, 0.6, abs_tol=1e-6)
    assert answer.usage.prompt_tokens > 0
    # The SDK asks for base64 by default when numpy is around; ask for it explicitly too.
    packed = client.embeddings.create(
        model=model["slug"], input="vec:0.6,0.8", encoding_format="base64"
    )
    assert packed.data[0].embedding is not None


def test_embedding_dimensions_are_passed_on(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, kind="embedding", identifier="fake-embed-32")
    answer = sdk(ws).embeddings.create(model=model["slug"], input="x", dimensions=4)
    assert len(answer.data[0].embedding) == 4


@pytest.mark.parametrize(
    ("key_provider", "provider"), [("openai", "openai"), ("azure", "openai"), ("google", "google")]
)
def test_image_generation(
    ws: Workspace, fake: FakeProvider, key_provider: str, provider: str
) -> None:
    identifier = "gemini-2.5-flash-image" if provider == "google" else "gpt-image-1"
    model = add_model(
        ws, fake, kind="image", provider=provider, key_provider=key_provider, identifier=identifier
    )
    raw = sdk(ws).images.with_raw_response.generate(model=model["slug"], prompt="a red square", n=1)
    answer = raw.parse()
    assert answer.data and answer.data[0].b64_json
    assert raw.headers["x-modelyard-model"] == model["slug"]


def test_dall_e_urls(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, kind="image", identifier="dall-e-3")
    answer = sdk(ws).images.generate(
        model=model["slug"], prompt="a blue circle", response_format="url"
    )
    assert answer.data and answer.data[0].url


@pytest.mark.parametrize(
    ("key_provider", "provider", "identifier"),
    [
        ("openai", "openai", "gpt-image-1"),
        ("azure", "openai", "gpt-image-1"),
        ("google", "google", "gemini-2.5-flash-image"),
    ],
)
def test_image_edits_need_image_editing(
    ws: Workspace, fake: FakeProvider, key_provider: str, provider: str, identifier: str
) -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6364f8ff1f000006020180e7a9e4"
        "0000000049454e44ae426082"
    )
    edits, plain_id = f"{identifier}-e{ws.id[-5:]}", f"{identifier}-p{ws.id[-5:]}"
    editor = add_model(
        ws,
        fake,
        kind="image",
        provider=provider,
        key_provider=key_provider,
        identifier=edits,
        image_editing=True,
    )
    plain = add_model(
        ws,
        fake,
        kind="image",
        provider=provider,
        key_provider=key_provider,
        identifier=plain_id,
        image_editing=False,
    )
    client = sdk(ws)
    edited = client.images.edit(
        model=editor["slug"], image=("in.png", png, "image/png"), prompt="make it green"
    )
    assert edited.data and edited.data[0].b64_json
    sent = upstream_requests(fake, edits)[-1]
    assert "image" in str(sent["body"]).lower() or "files" in str(sent)
    with pytest.raises(openai.BadRequestError) as refused:
        client.images.edit(model=plain["slug"], image=("in.png", png, "image/png"), prompt="x")
    assert refused.value.body["code"] == "image_editing_not_supported"  # type: ignore[index]
    assert upstream_requests(fake, plain_id) == []


def test_image_request_validation(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, kind="image", identifier="gpt-image-1")
    with ws.server.client(ws.owner_key) as api:
        for body, param in [
            ({"prompt": ""}, "prompt"),
            ({"prompt": "x", "n": 99}, "n"),
            ({"prompt": "x", "base_url": "http://evil"}, "base_url"),
        ]:
            response = api.post("/v1/images/generations", json={"model": model["slug"], **body})
            assert response.status_code == 400 and response.json()["error"]["param"] == param
        response = api.post("/v1/images/edits", json={"model": model["slug"], "prompt": "x"})
        assert response.status_code == 400
