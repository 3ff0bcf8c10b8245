"""The images wire: JSON generations, multipart edits, ``data[]`` and gpt-image usage."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest
from openai.types import ImagesResponse

from modelyard.errors import UpstreamError
from modelyard.llm_types import GeneratedImage, ImageRequest, InputFile, Usage
from modelyard.providers.base import Target, UpstreamProtocolError
from modelyard.providers.openai_images import WIRE
from modelyard.testing import FakeProvider
from tests.providers import roundtrip
from tests.providers.roundtrip import AZURE_KEY, SECRET, send

MALFORMED = r"^The images API sent a malformed response: "
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC"
)
CAT = InputFile("cat.png", "image/png", PNG_BYTES)
DOG = InputFile("dog.webp", "image/webp", b"RIFF....WEBP")
MASK = InputFile("mask.png", "image/png", PNG_BYTES)


def target(
    provider: str = "openai", base_url: str | None = None, model: str = "gpt-image-1"
) -> Target:
    return roundtrip.target(provider, model, base_url, api_version="2025-04-01-preview")


# --- request -----------------------------------------------------------------------------------


def test_generation_is_json() -> None:
    request = ImageRequest(
        "gpt-image-1",
        "a red fox",
        n=2,
        size="1024x1024",
        quality="low",
        response_format="url",
        background="transparent",
        output_format="webp",
        user="u-1",
    )
    built = WIRE.build_images(request, target())
    assert built.url == "https://api.openai.com/v1/images/generations"
    assert built.headers == {"authorization": f"Bearer {SECRET}"}
    assert built.form is None
    assert built.json == {  # no response_format: gpt-image refuses it
        "model": "gpt-image-1",
        "prompt": "a red fox",
        "n": 2,
        "size": "1024x1024",
        "quality": "low",
        "background": "transparent",
        "output_format": "webp",
        "user": "u-1",
    }


@pytest.mark.parametrize("model", ["dall-e-3", "dall-e-2", "grok-2-image"])
def test_response_format_for_other_models(model: str) -> None:
    built = WIRE.build_images(ImageRequest(model, "a fox", response_format="b64_json"), target())
    assert built.json == {"model": model, "prompt": "a fox", "n": 1, "response_format": "b64_json"}


def test_one_image_edit_is_a_form_with_image_and_mask() -> None:
    request = ImageRequest("dall-e-2", "add a hat", size="512x512", images=[CAT], mask=MASK)
    built = WIRE.build_images(request, target())
    assert built.url == "https://api.openai.com/v1/images/edits"
    assert built.json is None
    assert built.form == [
        ("model", "dall-e-2"),
        ("prompt", "add a hat"),
        ("n", "1"),
        ("size", "512x512"),
        ("image", CAT),
        ("mask", MASK),
    ]


def test_several_images_are_image_brackets() -> None:
    request = ImageRequest("gpt-image-1", "merge", n=3, quality="high", images=[CAT, DOG])
    built = WIRE.build_images(request, target())
    assert built.form == [
        ("model", "gpt-image-1"),
        ("prompt", "merge"),
        ("n", "3"),
        ("quality", "high"),
        ("image[]", CAT),
        ("image[]", DOG),
    ]


def test_azure_urls() -> None:
    built = WIRE.build_images(
        ImageRequest("img", "fox"), target("azure", "https://r.example", "img")
    )
    assert built.url == (
        "https://r.example/openai/deployments/img/images/generations?api-version=2025-04-01-preview"
    )
    assert built.headers == {"api-key": AZURE_KEY}


# --- response ----------------------------------------------------------------------------------

GPT_IMAGE_ANSWER: dict[str, Any] = {
    "created": 1713833628,
    "background": "opaque",
    "output_format": "png",
    "quality": "medium",
    "size": "1024x1024",
    "data": [{"b64_json": "iVBORw0KGgo="}, {"b64_json": "iVBORw0KGgp="}],
    "usage": {
        "total_tokens": 2198,
        "input_tokens": 86,
        "output_tokens": 2112,
        "input_tokens_details": {"text_tokens": 50, "image_tokens": 36},
        "output_tokens_details": {"image_tokens": 2112, "text_tokens": 0},
    },
}
DALL_E_ANSWER: dict[str, Any] = {
    "created": 1713833628,
    "data": [{"url": "https://example.com/fox.png", "revised_prompt": "A watercolor fox"}],
}


def parse(data: dict[str, Any]) -> Any:
    raw = orjson.dumps(data)
    ImagesResponse.model_validate_json(raw)
    return WIRE.parse_images(raw)


def test_parse_gpt_image_with_usage() -> None:
    parsed = parse(GPT_IMAGE_ANSWER)
    assert parsed.created == 1713833628
    assert parsed.images == [
        GeneratedImage(b64_json="iVBORw0KGgo="),
        GeneratedImage(b64_json="iVBORw0KGgp="),
    ]
    assert parsed.usage == Usage(input_tokens=86, output_tokens=2112, images=2)


def test_parse_usage_from_details_only() -> None:
    usage = {"output_tokens": 272, "input_tokens_details": {"text_tokens": 5, "image_tokens": 85}}
    parsed = WIRE.parse_images(orjson.dumps({**GPT_IMAGE_ANSWER, "usage": usage}))
    assert parsed.usage == Usage(input_tokens=90, output_tokens=272, images=2)


def test_parse_dall_e_without_usage() -> None:
    parsed = parse(DALL_E_ANSWER)
    assert parsed.images == [
        GeneratedImage(url="https://example.com/fox.png", revised_prompt="A watercolor fox")
    ]
    assert parsed.usage == Usage(images=1)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"created": 1, "data": [',
        b'{"created": 1}',
        orjson.dumps({"created": 1, "data": ["x"]}),
        orjson.dumps({"created": 1, "data": [{"revised_prompt": "no image"}]}),
        orjson.dumps({**GPT_IMAGE_ANSWER, "usage": {"input_tokens": 1.5}}),
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match=MALFORMED):
        WIRE.parse_images(body)


def test_errors() -> None:
    body = (
        b'{"error": {"message": "Your request was rejected as a result of our safety system.", '
        b'"type": "invalid_request_error", "param": null, "code": "content_policy_violation"}}'
    )
    assert WIRE.error_message(body) == "Your request was rejected as a result of our safety system."
    with pytest.raises(UpstreamError) as raised:
        WIRE.parse_images(body)
    assert raised.value.code == "content_policy_violation"


# --- round trips through the fake provider ------------------------------------------------------


def test_round_trip_gpt_image_generation(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = ImageRequest("gpt-image-1", "a red fox", n=2, quality="low", response_format="url")
    response = send(http, WIRE.build_images(request, target(base_url=f"{fake.url}/v1")))
    assert response.status_code == 200, response.text
    parsed = WIRE.parse_images(response.content)
    assert len(parsed.images) == 2
    assert all(
        image.b64_json and base64.b64decode(image.b64_json)[:4] == b"\x89PNG"
        for image in parsed.images
    )
    assert parsed.usage == Usage(input_tokens=3, output_tokens=2 * 272, images=2)
    [logged] = fake.requests()
    assert logged["path"] == "/v1/images/generations"
    assert "response_format" not in logged["body"]


def test_round_trip_dall_e_urls(fake: FakeProvider, http: httpx.Client) -> None:
    request = ImageRequest("dall-e-3", "a red fox", response_format="url")
    parsed = WIRE.parse_images(
        send(http, WIRE.build_images(request, target(base_url=f"{fake.url}/v1"))).content
    )
    [image] = parsed.images
    assert image.url and image.url.endswith(".png") and image.revised_prompt == "a red fox"
    assert parsed.usage == Usage(images=1)


def test_round_trip_multipart_edit(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = ImageRequest(
        "gpt-image-1", "merge them", quality="high", images=[CAT, DOG], mask=MASK
    )
    upstream = WIRE.build_images(request, target(base_url=f"{fake.url}/v1"))
    response = send(http, upstream)
    assert response.status_code == 200, response.text
    parsed = WIRE.parse_images(response.content)
    assert parsed.usage == Usage(input_tokens=3 + 2 * 85, output_tokens=4160, images=1)
    [logged] = fake.requests()
    assert logged["path"] == "/v1/images/edits"
    assert logged["headers"]["content-type"].startswith("multipart/form-data")
    body = logged["body"]
    assert (body["model"], body["prompt"], body["n"], body["quality"]) == (
        "gpt-image-1",
        "merge them",
        "1",
        "high",
    )
    assert body["image[]"] == [
        {"filename": "cat.png", "content_type": "image/png", "size": len(PNG_BYTES)},
        {"filename": "dog.webp", "content_type": "image/webp", "size": len(DOG.data)},
    ]
    assert body["mask"]["filename"] == "mask.png"


def test_round_trip_single_image_edit_on_azure(fake: FakeProvider, http: httpx.Client) -> None:
    fake.clear()
    request = ImageRequest("dall-e-2", "add a hat", response_format="b64_json", images=[CAT])
    upstream = WIRE.build_images(request, target("azure", fake.url, "dalle-deployment"))
    response = send(http, upstream)
    assert response.status_code == 200, response.text
    [image] = WIRE.parse_images(response.content).images
    assert image.b64_json and image.url is None
    [logged] = fake.requests()
    assert logged["path"] == "/openai/deployments/dalle-deployment/images/edits"
    assert logged["headers"]["api-key"] == AZURE_KEY
    assert logged["body"]["image"]["filename"] == "cat.png"
    assert logged["body"]["response_format"] == "b64_json"


def test_round_trip_errors(fake: FakeProvider, http: httpx.Client) -> None:
    request = ImageRequest("fail-429", "fox")
    response = send(http, WIRE.build_images(request, target(base_url=f"{fake.url}/v1")))
    assert response.status_code == 429 and WIRE.error_message(response.content)
