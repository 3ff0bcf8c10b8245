"""OpenAI-shaped image requests (JSON generations, multipart edits) -> ``ImageRequest``."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile

from modelyard.errors import BadRequest, PayloadTooLarge
from modelyard.gateway import bounds
from modelyard.gateway.inbound import refuse_upstream_overrides
from modelyard.llm_types import ImageRequest, InputFile

MAX_IMAGE_BYTES = 25 * 1024 * 1024
_TEXT_FIELDS = ("size", "quality", "response_format", "background", "output_format", "user")


def _common(
    fields: dict[str, Any],
    images: list[InputFile],
    mask: InputFile | None,
    rules: dict[str, bounds.Rule],
) -> ImageRequest:
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise BadRequest("'prompt' is required.", param="prompt")
    if len(prompt) > bounds.MAX_IMAGE_PROMPT_CHARS:
        raise BadRequest(
            f"'prompt' may have at most {bounds.MAX_IMAGE_PROMPT_CHARS} characters.",
            param="prompt",
        )
    bounds.check_fields(fields, rules)
    n = fields.get("n") or 1  # an integer from 1 to 10 when given (the rules)
    text: dict[str, str | None] = {}
    for name in _TEXT_FIELDS:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"'{name}' must be a string.", param=name)
        text[name] = value
    if text["response_format"] not in (None, "url", "b64_json"):
        raise BadRequest("'response_format' must be url or b64_json.", param="response_format")
    model = fields.get("model")
    return ImageRequest(
        model=model if isinstance(model, str) else "",
        prompt=prompt,
        n=n,
        images=images,
        mask=mask,
        **text,
    )


def generation_request(body: dict[str, Any]) -> ImageRequest:
    refuse_upstream_overrides(body)
    return _common(body, [], None, bounds.IMAGE_GENERATION)


async def _file(upload: UploadFile, param: str) -> InputFile:
    data = await upload.read()
    if not data:
        raise BadRequest(f"'{param}' is an empty file.", param=param)
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(
            f"'{param}' is larger than 25 MB.", param=param, code="file_too_large"
        )
    content_type = upload.content_type or "application/octet-stream"
    if not content_type.startswith("image/"):
        raise BadRequest(f"'{param}' must be an image (got {content_type}).", param=param)
    return InputFile(upload.filename or "image.png", content_type, data)


async def edit_request(form: FormData) -> ImageRequest:
    fields: dict[str, Any] = {}
    images: list[InputFile] = []
    mask: InputFile | None = None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name in ("image", "image[]"):
                images.append(await _file(value, "image"))
            elif name == "mask":
                mask = await _file(value, "mask")
            else:
                raise BadRequest(f"Unexpected file field '{name}'.", param=name)
        elif name in fields:
            raise BadRequest(f"'{name}' is given twice.", param=name, code="duplicate_key")
        else:
            fields[name] = bounds.form_value(name, value)
    refuse_upstream_overrides(fields)
    if not images:
        raise BadRequest("'image' is required: the image to edit.", param="image")
    if len(images) > bounds.MAX_EDIT_IMAGES:
        raise BadRequest(f"'image' takes at most {bounds.MAX_EDIT_IMAGES} images.", param="image")
    return _common(fields, images, mask, bounds.IMAGE_EDIT)
