"""OpenAI's image wire format: generations (``images/generations``) and edits (``images/edits``).

``WIRE`` implements :class:`~modelyard.providers.base.ImageWire`. A generation is a JSON body;
an edit (``request.images`` not empty) is a multipart form in ``UpstreamRequest.form``: text
fields first (``model``, ``prompt``, ``n``, then the options that are set), then the files: one
image as ``image``, several as repeated ``image[]``, and ``mask``. ``response_format`` is not
sent to gpt-image models, which refuse it (they always answer base64).

Usage: gpt-image answers carry token usage (``input_tokens`` = text + image input tokens,
``output_tokens`` = image tokens); dall-e answers carry none. ``images`` is the number of images
returned either way.
"""

from __future__ import annotations

from typing import Any

from modelyard.llm_types import GeneratedImage, ImageRequest, ImageResponse, InputFile, Usage
from modelyard.providers.base import Target, UpstreamRequest
from modelyard.providers.openai_chat.common import (
    as_object,
    error_message,
    load_object,
    malformed,
    raise_for_error,
    token_count,
)

GENERATIONS = "images/generations"
EDITS = "images/edits"
WHO = "The images API"


def takes_response_format(model: str) -> bool:
    """gpt-image models refuse ``response_format``; dall-e and other servers' models take it."""
    return "gpt-image" not in model.lower()


def build_images(request: ImageRequest, target: Target) -> UpstreamRequest:
    response_format = request.response_format if takes_response_format(request.model) else None
    options: dict[str, str | None] = {
        "size": request.size,
        "quality": request.quality,
        "response_format": response_format,
        "background": request.background,
        "output_format": request.output_format,
        "user": request.user,
    }
    set_options = [(name, value) for name, value in options.items() if value is not None]
    if not request.is_edit:
        body: dict[str, Any] = {"model": request.model, "prompt": request.prompt, "n": request.n}
        body.update(set_options)
        return UpstreamRequest(url=target.url(GENERATIONS), headers=target.headers(), json=body)
    form: list[tuple[str, str | InputFile]] = [
        ("model", request.model),
        ("prompt", request.prompt),
        ("n", str(request.n)),
        *set_options,
    ]
    image_field = "image" if len(request.images) == 1 else "image[]"
    form.extend((image_field, image) for image in request.images)
    if request.mask is not None:
        form.append(("mask", request.mask))
    return UpstreamRequest(url=target.url(EDITS), headers=target.headers(), form=form)


def parse_images(body: bytes) -> ImageResponse:
    data = load_object(body, WHO)
    raise_for_error(data)
    items = data.get("data")
    if not isinstance(items, list):
        raise malformed("the answer has no data list", WHO)
    images = [_image(item) for item in items]
    created = data.get("created")
    return ImageResponse(
        images=images,
        usage=_usage(data.get("usage"), len(images)),
        created=created if isinstance(created, int) and not isinstance(created, bool) else 0,
    )


def _image(item: Any) -> GeneratedImage:
    if not isinstance(item, dict):
        raise malformed("an image is not an object", WHO)
    b64, url, revised = item.get("b64_json"), item.get("url"), item.get("revised_prompt")
    if not isinstance(b64, str) and not isinstance(url, str):
        raise malformed("an image has neither b64_json nor url", WHO)
    return GeneratedImage(
        b64_json=b64 if isinstance(b64, str) else None,
        url=url if isinstance(url, str) else None,
        revised_prompt=revised if isinstance(revised, str) else None,
    )


def _usage(data: Any, images: int) -> Usage:
    """gpt-image token usage (dall-e answers have none): input is text plus image tokens."""
    usage = as_object(data)
    details = as_object(usage.get("input_tokens_details"))
    prompt = token_count(usage.get("input_tokens"), WHO, "input_tokens")
    if not prompt:
        text = token_count(details.get("text_tokens"), WHO, "text_tokens")
        prompt = text + token_count(details.get("image_tokens"), WHO, "image_tokens")
    read = min(token_count(details.get("cached_tokens"), WHO, "cached_tokens"), prompt)
    return Usage(
        input_tokens=prompt - read,
        output_tokens=token_count(usage.get("output_tokens"), WHO, "output_tokens"),
        cache_read_tokens=read,
        images=images,
    )


class OpenAIImageWire:
    """The images API as an :class:`~modelyard.providers.base.ImageWire`."""

    def build_images(self, request: ImageRequest, target: Target) -> UpstreamRequest:
        return build_images(request, target)

    def parse_images(self, body: bytes) -> ImageResponse:
        return parse_images(body)

    def error_message(self, body: bytes) -> str | None:
        return error_message(body)


WIRE = OpenAIImageWire()
