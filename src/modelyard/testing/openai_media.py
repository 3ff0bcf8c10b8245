"""OpenAI embeddings and images (generations and multipart edits), as the fake speaks them.

Embedding vectors come from ``vectors`` (hash-based, or exact for ``vec:`` texts); images are
tiny PNGs from ``images``, returned as base64 or as a URL the fake itself serves.
"""

from __future__ import annotations

from typing import Any

from modelyard.testing.asgi import BadRequest, FakeRequest, Reply, json_reply
from modelyard.testing.content import CREATED, IMAGE_TOKENS, digest, text_tokens
from modelyard.testing.images import colour_for, png_base64
from modelyard.testing.openai_common import headers
from modelyard.testing.vectors import dimensions_for, embed, embed_tokens, to_base64

IMAGE_OUTPUT_TOKENS = {"low": 272, "medium": 1056, "high": 4160}
"""gpt-image output tokens per image, by quality (``auto`` and unset count as medium)."""

MAX_IMAGES = 10


def embedding_inputs(given: Any) -> list[str | list[int]]:
    """``input`` as a list of texts or token arrays (a string or one token array is one input)."""
    if isinstance(given, str):
        return [given]
    if isinstance(given, list) and given:
        if all(isinstance(x, int) for x in given):
            return [given]
        if all(
            isinstance(x, str) or (isinstance(x, list) and all(isinstance(t, int) for t in x))
            for x in given
        ):
            return list(given)
    raise BadRequest("'input' must be a string, an array of strings or of token arrays.", "input")


def embeddings(request: FakeRequest, model: str) -> Reply:
    """``POST /v1/embeddings``: one unit vector per input, float or base64."""
    body: dict[str, Any] = request.json
    inputs = embedding_inputs(body.get("input"))
    dimensions = dimensions_for(model, body.get("dimensions"))
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    tokens = 0
    for index, item in enumerate(inputs):
        if isinstance(item, str):
            vector = embed(item, dimensions)
            tokens += text_tokens(len(item))
        else:
            vector = embed_tokens(item, dimensions)
            tokens += len(item)
        value: Any = to_base64(vector) if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": value})
    result = {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return json_reply(200, result, headers(request))


def generations(request: FakeRequest, model: str) -> Reply:
    """``POST /v1/images/generations`` (JSON)."""
    body: dict[str, Any] = request.json
    return _images(request, model, body.get("prompt"), body.get("n"), body, input_images=0)


def edits(request: FakeRequest, model: str) -> Reply:
    """``POST /v1/images/edits``: multipart ``image`` / ``image[]`` (and ``mask``), or JSON."""
    if request.form is not None:
        files = request.form_files("image", "image[]")
        if not files:
            raise BadRequest("Missing required parameter: 'image'.", "image")
        options: dict[str, Any] = {
            name: request.form_value(name) for name in ("size", "quality", "response_format")
        }
        count = request.form_value("n")
        n: Any = int(count) if count and count.isdigit() else None
        return _images(request, model, request.form_value("prompt"), n, options, len(files))
    body: dict[str, Any] = request.json
    images = body.get("images")
    if not isinstance(images, list) or not images:
        raise BadRequest("Missing required parameter: 'images'.", "images")
    return _images(request, model, body.get("prompt"), body.get("n"), body, len(images))


def edit_model(request: FakeRequest) -> str | None:
    """The model of an edit request: the form field, the JSON field, or dall-e-2 (the default)."""
    if request.form is not None:
        return request.form_value("model") or "dall-e-2"
    if isinstance(request.json, dict):
        model = request.json.get("model")
        return model if isinstance(model, str) else "dall-e-2"
    return None


def _images(
    request: FakeRequest,
    model: str,
    prompt: Any,
    n: Any,
    options: dict[str, Any],
    input_images: int,
) -> Reply:
    if not isinstance(prompt, str) or not prompt:
        raise BadRequest("Missing required parameter: 'prompt'.", "prompt")
    count = 1 if n is None else n
    if not isinstance(count, int) or not 1 <= count <= MAX_IMAGES:
        raise BadRequest(f"'n' must be an integer from 1 to {MAX_IMAGES}.", "n")
    gpt_image = "gpt-image" in model
    as_base64 = gpt_image or options.get("response_format") == "b64_json"
    host = request.headers.get("host", "127.0.0.1")
    data = []
    for index in range(count):
        colour = colour_for(digest(f"{request.digest}:{index}".encode()))
        item: dict[str, Any] = (
            {"b64_json": png_base64(colour)}
            if as_base64
            else {"url": f"http://{host}/_fake/images/{colour}.png"}
        )
        if "dall-e-3" in model:
            item["revised_prompt"] = prompt
        data.append(item)
    result: dict[str, Any] = {"created": CREATED, "data": data}
    if gpt_image:
        quality = options.get("quality")
        quality = quality if quality in IMAGE_OUTPUT_TOKENS else "medium"
        text = text_tokens(len(prompt))
        image_in = IMAGE_TOKENS * input_images
        out = IMAGE_OUTPUT_TOKENS[quality] * count
        result.update(
            background="opaque",
            output_format="png",
            quality=quality,
            size=options.get("size") or "1024x1024",
            usage={
                "total_tokens": text + image_in + out,
                "input_tokens": text + image_in,
                "output_tokens": out,
                "input_tokens_details": {"text_tokens": text, "image_tokens": image_in},
                "output_tokens_details": {"image_tokens": out, "text_tokens": 0},
            },
        )
    return json_reply(200, result, headers(request))
