"""Gemini image models (``gemini-2.5-flash-image`` and kin) through ``generateContent``.

The prompt (after the input images, for an edit) is one user turn and
``generationConfig.responseModalities`` is ``["TEXT", "IMAGE"]``; a ``size`` whose ratio is one
Gemini knows becomes ``imageConfig.aspectRatio``. The ``inlineData`` image parts of the answer
(not thought images) come back as ``b64_json``: Gemini gives no URLs, so a ``response_format``
of ``url`` is the gateway's to honour or refuse.

Not carried over: ``n`` (one request is made and whatever images came back are returned, usually
one), ``mask`` (Gemini edits from the prompt alone), ``quality``, ``background`` and
``output_format`` (Gemini picks them).

Usage is the answer's ``usageMetadata`` (as for chat) with ``images`` = the images returned. A
prompt or answer stopped by Gemini's safety filters without an image raises :class:`BadRequest`
with code ``content_policy_violation``, as OpenAI answers such prompts.
"""

from __future__ import annotations

import base64
from math import gcd
from typing import Any

from modelyard.errors import BadRequest
from modelyard.llm_types import GeneratedImage, ImageRequest, ImageResponse, InputFile, Usage
from modelyard.providers.base import Target, UpstreamRequest
from modelyard.providers.gemini.common import error_message, image_type, load_object, malformed
from modelyard.providers.gemini.response import finish_reason, read_chunk

ASPECT_RATIOS = frozenset({"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"})


def aspect_ratio(size: str | None) -> str | None:
    """``"1536x1024"`` → ``"3:2"``, when Gemini has that ratio; else None."""
    width, _, height = (size or "").lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or int(width) == 0 or int(height) == 0:
        return None
    divisor = gcd(int(width), int(height))
    ratio = f"{int(width) // divisor}:{int(height) // divisor}"
    return ratio if ratio in ASPECT_RATIOS else None


def _inline(file: InputFile) -> dict[str, Any]:
    media_type = file.content_type
    if not media_type.startswith("image/"):
        media_type = image_type(file.filename, "image/png")
    data = base64.b64encode(file.data).decode()
    return {"inlineData": {"mimeType": media_type, "data": data}}


class GeminiImageWire:
    def build_images(self, request: ImageRequest, target: Target) -> UpstreamRequest:
        parts = [_inline(f) for f in request.images]
        parts.append({"text": request.prompt})
        config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"]}
        ratio = aspect_ratio(request.size)
        if ratio is not None:
            config["imageConfig"] = {"aspectRatio": ratio}
        body = {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}
        return UpstreamRequest(
            url=target.url("generateContent"), headers=target.headers(), json=body
        )

    def parse_images(self, body: bytes) -> ImageResponse:
        chunk = read_chunk(load_object(body))
        if not chunk.has_candidates and chunk.block_reason is None:
            malformed("no candidates")
        images = [
            GeneratedImage(b64_json=data)
            for media_type, data in chunk.images
            if not media_type or media_type.startswith("image/")
        ]
        reason = finish_reason(chunk.finish, chunk.block_reason, called=False)
        if not images and reason == "content_filter":
            raise BadRequest(
                "Gemini's safety filters blocked this image request "
                f"({chunk.block_reason or chunk.finish})",
                param="prompt",
                code="content_policy_violation",
            )
        usage = chunk.usage or Usage()
        usage.images = len(images)
        return ImageResponse(images=images, usage=usage)

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)
