"""Reading one document out of an HTTP request, for the admin API and the web UI alike.

The body is refused from its declared size before it is read (413), then taken as JSON
``{"name", "text"}`` or as a multipart ``file`` and handed to ``uploads`` for the 415 / 422 rules,
so both entrances accept and refuse exactly the same documents.
"""

from __future__ import annotations

import orjson
from pydantic import ValidationError
from starlette.requests import Request

from modelyard.errors import BadRequest, InvalidInput
from modelyard.knowledge import uploads
from modelyard.knowledge.schemas import DocumentText

# JSON escapes can triple a text's bytes (``\n``, ``\u00e9``); the text itself is held to 2 MB.
_MAX_BODY = 3 * uploads.MAX_DOCUMENT_BYTES + 64 * 1024


async def read_upload(request: Request) -> uploads.Upload:
    """The document of a JSON or multipart request, validated (415 / 413 / 422)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > _MAX_BODY:
        raise uploads.too_large(int(length))
    if content_type == "application/json":
        raw = await request.body()
        if len(raw) > _MAX_BODY:
            raise uploads.too_large(len(raw))
        try:
            data = DocumentText.model_validate(orjson.loads(raw))
        except orjson.JSONDecodeError:
            raise BadRequest("The request body is not valid JSON.") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or None
            raise InvalidInput(f"'{field}': {first['msg']}", param=field) from None
        return uploads.accept_text(data.name, data.media_type, data.text)
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=4) as form:
            file = form.get("file")
            if file is None or isinstance(file, str):
                raise InvalidInput("'file' is required (a text or Markdown file).", param="file")
            name = form.get("name")
            name = name.strip() if isinstance(name, str) and name.strip() else file.filename
            if not name:
                raise InvalidInput("'name' is required (or a file name).", param="name")
            data_bytes = await file.read(uploads.MAX_DOCUMENT_BYTES + 1)
            if len(data_bytes) > uploads.MAX_DOCUMENT_BYTES:
                raise uploads.too_large(file.size or len(data_bytes))
            return uploads.accept(name[:200], file.content_type, data_bytes)
    raise uploads.UnsupportedMediaType(
        'Send the document as JSON {"name", "text"} or as multipart/form-data with a '
        "'file' field.",
        code="unsupported_media_type",
    )
