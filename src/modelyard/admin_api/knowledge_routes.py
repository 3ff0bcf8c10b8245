"""``/api/knowledge``: collections, their documents, and search.

Members may read and search collections (they use the assistants built on them); only admins
change them. Documents arrive as JSON ``{"name", "text"}`` or as a multipart ``file``.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from modelyard.admin_api.deps import ActorDep, AdminDep, ServicesDep
from modelyard.errors import BadRequest, InvalidInput
from modelyard.knowledge import runtime, uploads
from modelyard.knowledge.schemas import (
    CollectionCreate,
    CollectionOut,
    CollectionUpdate,
    DocumentOut,
    DocumentText,
    SearchRequest,
    SearchResult,
)
from modelyard.knowledge.service import KnowledgeBase, requester

router = APIRouter(prefix="/api/knowledge", tags=["knowledge"], lifespan=runtime.knowledge_lifespan)

# JSON escapes can triple a text's bytes (``\n``, ``\u00e9``); the text itself is held to 2 MB.
_MAX_BODY = 3 * uploads.MAX_DOCUMENT_BYTES + 64 * 1024


async def get_knowledge(services: ServicesDep) -> KnowledgeBase:
    return runtime.attached(services.config)


KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]


@router.post("", status_code=201)
async def create_collection(
    data: CollectionCreate, actor: AdminDep, knowledge: KnowledgeDep
) -> CollectionOut:
    return await knowledge.create_collection(actor, data)


@router.get("")
async def list_collections(actor: ActorDep, knowledge: KnowledgeDep) -> list[CollectionOut]:
    return await knowledge.list_collections(actor)


@router.get("/{collection_id}")
async def get_collection(
    collection_id: str, actor: ActorDep, knowledge: KnowledgeDep
) -> CollectionOut:
    return await knowledge.get_collection(actor, collection_id)


@router.patch("/{collection_id}")
async def update_collection(
    collection_id: str, data: CollectionUpdate, actor: AdminDep, knowledge: KnowledgeDep
) -> CollectionOut:
    return await knowledge.update_collection(actor, collection_id, data)


@router.delete("/{collection_id}", status_code=204)
async def delete_collection(
    collection_id: str, actor: AdminDep, knowledge: KnowledgeDep
) -> Response:
    await knowledge.delete_collection(actor, collection_id)
    return Response(status_code=204)


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


@router.post("/{collection_id}/documents", status_code=201)
async def add_document(
    collection_id: str, request: Request, actor: AdminDep, knowledge: KnowledgeDep
) -> DocumentOut:
    return await knowledge.add_document(actor, collection_id, await read_upload(request))


@router.get("/{collection_id}/documents")
async def list_documents(
    collection_id: str, actor: ActorDep, knowledge: KnowledgeDep
) -> list[DocumentOut]:
    return await knowledge.list_documents(actor, collection_id)


@router.delete("/{collection_id}/documents/{document_id}", status_code=204)
async def delete_document(
    collection_id: str, document_id: str, actor: AdminDep, knowledge: KnowledgeDep
) -> Response:
    await knowledge.delete_document(actor, collection_id, document_id)
    return Response(status_code=204)


@router.post("/{collection_id}/search")
async def search(
    collection_id: str, data: SearchRequest, actor: ActorDep, knowledge: KnowledgeDep
) -> SearchResult:
    return await knowledge.search(
        requester(actor), collection_id, data.query, data.top_k, data.threshold
    )
