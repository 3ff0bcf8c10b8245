"""Gemini image models: ``generateContent`` with image output, aspect ratios, images read back."""

from __future__ import annotations

import base64

import orjson
import pytest

from modelyard.errors import BadRequest
from modelyard.llm_types import ImageRequest, InputFile, Usage
from modelyard.providers.base import UpstreamProtocolError
from modelyard.providers.gemini import IMAGE_WIRE
from modelyard.providers.gemini.images import aspect_ratio
from tests.providers.gemini import target


def test_build_images() -> None:
    photo = InputFile("photo.jpg", "application/octet-stream", b"\xff\xd8data")
    request = ImageRequest(
        "gemini-2.5-flash-image", "make it blue", n=3, size="1536x1024", images=[photo]
    )
    built = IMAGE_WIRE.build_images(request, target("gemini-2.5-flash-image"))
    assert built.url.endswith("/models/gemini-2.5-flash-image:generateContent")
    assert built.json == {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {
                        "inlineData": {
                            "mimeType": "image/jpeg",
                            "data": base64.b64encode(b"\xff\xd8data").decode(),
                        }
                    },
                    {"text": "make it blue"},
                ],
            }
        ],
        "generationConfig": {
            "responseModalities": ["TEXT", "IMAGE"],
            "imageConfig": {"aspectRatio": "3:2"},
        },
    }
    assert [aspect_ratio(s) for s in ("1024x1024", "1024x1792", "auto", None, "0x5")] == [
        "1:1",
        None,
        None,
        None,
        None,
    ]


def test_parse_images() -> None:
    parts = [
        {"inlineData": {"mimeType": "image/png", "data": "VGhvdWdodA=="}, "thought": True},
        {"text": "Here you go"},
        {"inlineData": {"mimeType": "image/png", "data": "QUJD"}},
    ]
    body = {
        "candidates": [{"content": {"parts": parts}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 1290},
    }
    parsed = IMAGE_WIRE.parse_images(orjson.dumps(body))
    assert [i.b64_json for i in parsed.images] == ["QUJD"]
    assert parsed.usage == Usage(input_tokens=7, output_tokens=1290, images=1)
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}}
    with pytest.raises(BadRequest) as caught:
        IMAGE_WIRE.parse_images(orjson.dumps(blocked))
    assert caught.value.code == "content_policy_violation"
    text_only = {"candidates": [{"content": {"parts": [{"text": "No."}]}, "finishReason": "STOP"}]}
    assert IMAGE_WIRE.parse_images(orjson.dumps(text_only)).images == []
    with pytest.raises(UpstreamProtocolError):
        IMAGE_WIRE.parse_images(b'{"candidates": [{"content": {"parts": [{"inlineData": {}}]}}]}')
