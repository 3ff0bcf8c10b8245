"""``/api/knowledge``: collections, their documents, and search.

Members may read and search collections (they use the assistants built on them); only admins
change them. Documents arrive as JSON ``{"name", "text"}`` or as a multipart ``file``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from modelyard.admin_api.deps import ActorDep, AdminDep, ServicesDep
from modelyard.admin_api.openapi import errors
from modelyard.knowledge import runtime
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
from modelyard.knowledge.upload_request import read_upload

router = APIRouter(prefix="/api/knowledge", tags=["knowledge"], lifespan=runtime.knowledge_lifespan)


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


# Read by ``read_upload`` (JSON or multipart), so FastAPI cannot see the body: described here.
_DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DocumentText.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "name": {"type": "string"},
                    },
                },
                "encoding": {"file": {"contentType": "text/plain"}},
            },
        },
    }
}


@router.post(
    "/{collection_id}/documents",
    status_code=201,
    responses=errors(400, 413, 415, 502, 503, 504),
    openapi_extra=_DOCUMENT_BODY,
)
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


@router.post("/{collection_id}/search", responses=errors(502, 503, 504))
async def search(
    collection_id: str, data: SearchRequest, actor: ActorDep, knowledge: KnowledgeDep
) -> SearchResult:
    return await knowledge.search(
        requester(actor), collection_id, data.query, data.top_k, data.threshold
    )
