"""The fake's embeddings and images, parsed by the official ``openai`` SDK."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Iterator

import httpx
import openai
import pytest

from modelyard.testing import FakeProvider

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


@pytest.fixture(scope="module")
def client(fake: FakeProvider) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.url + "/v1", api_key="sk-test", max_retries=0) as sdk:
        yield sdk


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def test_float_embeddings_are_unit_vectors_with_usage(client: openai.OpenAI) -> None:
    result = client.embeddings.create(
        model="text-embedding-3-small",
        input=["hello", "hello", "other text"],
        encoding_format="float",
    )
    vectors = [item.embedding for item in result.data]
    assert [item.index for item in result.data] == [0, 1, 2]
    assert all(len(v) == 8 for v in vectors)
    assert all(math.isclose(sum(x * x for x in v), 1.0) for v in vectors)
    assert vectors[0] == vectors[1]
    assert vectors[0] != vectors[2]
    assert result.model == "text-embedding-3-small"
    assert result.usage.prompt_tokens == 2 + 2 + 3
    assert result.usage.total_tokens == result.usage.prompt_tokens


def test_base64_is_little_endian_float32_and_decoded_by_the_sdk(
    client: openai.OpenAI, fake: FakeProvider
) -> None:
    floats = client.embeddings.create(model="m", input="same text", encoding_format="float")
    decoded = client.embeddings.create(model="m", input="same text")  # the SDK asks for base64
    assert fake.requests()[-1]["body"]["encoding_format"] == "base64"
    for a, b in zip(floats.data[0].embedding, decoded.data[0].embedding, strict=True):
        assert a == pytest.approx(b, abs=1e-6)
    with httpx.Client(base_url=fake.url) as http:
        raw = http.post(
            "/v1/embeddings",
            json={"model": "m", "input": "same text", "encoding_format": "base64"},
            headers={"authorization": "Bearer k"},
        ).json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    assert list(struct.unpack("<8f", packed)) == decoded.data[0].embedding


def test_vec_texts_give_exact_vectors_and_similarities(client: openai.OpenAI) -> None:
    result = client.embeddings.create(
        model="m", input=["vec:1,0", "vec:0.6,0.8", "vec:3,4", "vec:0,0,1"], encoding_format="float"
    )
    one, exact, scaled, orthogonal = (item.embedding for item in result.data)
    assert one == [1.0] + [0.0] * 7
    assert exact == [0.6, 0.8] + [0.0] * 6
    assert scaled == pytest.approx(exact)
    assert cosine(one, exact) == pytest.approx(0.6)
    assert cosine(one, orthogonal) == 0.0


def test_dimensions_from_the_request_or_the_model_suffix(client: openai.OpenAI) -> None:
    asked = client.embeddings.create(model="m", input="x", dimensions=256, encoding_format="float")
    assert len(asked.data[0].embedding) == 256
    suffixed = client.embeddings.create(model="fake-embed-1536", input="x", encoding_format="float")
    assert len(suffixed.data[0].embedding) == 1536
    leading_zero = client.embeddings.create(
        model="text-embedding-ada-002", input="x", encoding_format="float"
    )
    assert len(leading_zero.data[0].embedding) == 8
    vec = client.embeddings.create(
        model="m", input="vec:1,1,1,1", dimensions=2, encoding_format="float"
    )
    assert vec.data[0].embedding == pytest.approx([math.sqrt(0.5)] * 2)


def test_token_array_inputs(client: openai.OpenAI) -> None:
    one = client.embeddings.create(model="m", input=[1, 2, 3], encoding_format="float")
    many = client.embeddings.create(model="m", input=[[1, 2, 3], [4, 5]], encoding_format="float")
    assert len(one.data) == 1
    assert one.usage.prompt_tokens == 3
    assert many.usage.prompt_tokens == 5
    assert many.data[0].embedding == one.data[0].embedding


def test_dall_e_answers_with_a_url_the_fake_serves(client: openai.OpenAI) -> None:
    result = client.images.generate(model="dall-e-3", prompt="a red fox", size="1024x1024")
    assert result.usage is None
    item = result.data[0] if result.data else None
    assert item is not None and item.url is not None
    assert item.revised_prompt == "a red fox"
    with httpx.Client() as http:
        image = http.get(item.url)
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(PNG_SIGNATURE)


def test_b64_json_and_n_images(client: openai.OpenAI) -> None:
    result = client.images.generate(
        model="dall-e-2", prompt="a fox", n=3, response_format="b64_json"
    )
    assert result.data is not None and len(result.data) == 3
    images = [base64.b64decode(item.b64_json or "") for item in result.data]
    assert all(image.startswith(PNG_SIGNATURE) for image in images)
    assert len(set(images)) == 3


def test_gpt_image_always_answers_base64_with_usage(client: openai.OpenAI) -> None:
    result = client.images.generate(model="gpt-image-1", prompt="a red fox", quality="low", n=2)
    assert result.data is not None
    assert all(item.b64_json and item.url is None for item in result.data)
    assert result.usage is not None
    assert result.usage.input_tokens_details.text_tokens == 3
    assert result.usage.input_tokens_details.image_tokens == 0
    assert result.usage.output_tokens == 2 * 272
    assert result.usage.total_tokens == 3 + 544
    assert result.quality == "low"
    assert result.size == "1024x1024"


def test_multipart_edit_with_several_images_and_a_mask(
    client: openai.OpenAI, fake: FakeProvider
) -> None:
    fake.clear()
    result = client.images.edit(
        model="gpt-image-1",
        prompt="add a hat",
        image=[("a.png", b"\x89PNG-one", "image/png"), ("b.png", b"\x89PNG-two!", "image/png")],
        mask=("mask.png", b"\x89PNG-mask", "image/png"),
    )
    assert result.usage is not None
    assert result.usage.input_tokens_details.image_tokens == 2 * 85
    assert result.usage.input_tokens_details.text_tokens == 3
    (entry,) = fake.requests()
    assert entry["path"] == "/v1/images/edits"
    assert entry["headers"]["content-type"].startswith("multipart/form-data")
    assert entry["body"]["prompt"] == "add a hat"
    assert entry["body"]["model"] == "gpt-image-1"
    assert entry["body"]["image[]"] == [
        {"filename": "a.png", "content_type": "image/png", "size": 8},
        {"filename": "b.png", "content_type": "image/png", "size": 9},
    ]
    assert entry["body"]["mask"] == {"filename": "mask.png", "content_type": "image/png", "size": 9}


def test_single_image_edit_for_dall_e_2(client: openai.OpenAI) -> None:
    result = client.images.edit(
        image=("a.png", b"\x89PNG", "image/png"), prompt="a hat", response_format="b64_json"
    )
    assert result.data is not None
    assert base64.b64decode(result.data[0].b64_json or "").startswith(PNG_SIGNATURE)


def test_edit_without_an_image_is_a_400(fake: FakeProvider) -> None:
    with httpx.Client(base_url=fake.url) as http:
        response = http.post(
            "/v1/images/edits",
            data={"prompt": "x", "model": "gpt-image-1"},
            files={"other": ("a.png", b"x", "image/png")},
            headers={"authorization": "Bearer k"},
        )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "image"
