"""Workspace Settings -> Knowledge: collections, their documents, their model, and search.

Everything goes through the app's one :class:`KnowledgeBase` (``knowledge.runtime``), with the
same schemas the admin API validates with, and uploads are read by ``read_upload``, shared with
the admin API (same 415 / 413 / 422 rules, checked before anything is embedded or stored).
The page only translates: form values in, the domain's messages out next to their field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio.to_thread
from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import InvalidInput, ModelyardError, NotFound
from modelyard.knowledge import runtime, uploads
from modelyard.knowledge.schemas import (
    CollectionCreate,
    CollectionOut,
    CollectionUpdate,
    SearchRequest,
    SearchResult,
)
from modelyard.knowledge.service import KnowledgeBase, requester
from modelyard.knowledge.upload_request import read_upload
from modelyard.web.auth import AdminUserDep, FormDep, WebUser, posted_form
from modelyard.web.i18n import localize, texts
from modelyard.web.locale_format import read_decimals
from modelyard.web.pages import GENERAL, field_errors, finish, form_values, render, services_of
from modelyard.workspace import models
from modelyard.workspace.model_rules import DEFAULT_SIMILARITY_THRESHOLD
from modelyard.workspace.schemas import ModelOut

router = APIRouter(include_in_schema=False)

PAGE = "/settings/knowledge"
CREATE_FIELDS = ("name", "embedding_model_id")
SEARCH_FIELDS = ("query", "top_k", "threshold")
# What the page says after a change that redirected to it (fixed texts, never from the URL).
DONE = {
    "created": "Collection created.",
    "deleted": "Collection deleted.",
    "uploaded": "Document added.",
    "removed": "Document deleted.",
    "changed": "Embedding model changed; every document was embedded with it.",
}

Errors = dict[str, str]


def _knowledge(request: Request) -> KnowledgeBase:
    return runtime.attached(services_of(request).config)


def _status(exc: ModelyardError | ValidationError) -> int:
    return exc.status if isinstance(exc, ModelyardError) else 422


def _done(request: Request, path: str, what: str) -> Response:
    return finish(request, RedirectResponse(f"{path}?done={what}", status_code=303))


async def _embedding_models(request: Request, user: WebUser) -> list[ModelOut]:
    def work() -> list[ModelOut]:
        with services_of(request).session() as db:
            return models.list_models(db, user.actor, kind="embedding")

    return await anyio.to_thread.run_sync(work)


def threshold_of(model: ModelOut | None) -> Decimal:
    """The model's similarity threshold as search applies it (its default when unset)."""
    if model is None or model.similarity_threshold is None:
        return DEFAULT_SIMILARITY_THRESHOLD
    return model.similarity_threshold


# --- the list of collections -------------------------------------------------------------


async def _list_page(
    request: Request,
    user: WebUser,
    *,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    collections = await _knowledge(request).list_collections(user.actor)
    embedding_models = await _embedding_models(request, user)
    context: dict[str, Any] = {
        "collections": collections,
        "embedding_models": embedding_models,
        "models_by_id": {model.id: model for model in embedding_models},
        "errors": errors or {},
        "values": values or {},
        "done": DONE.get(request.query_params.get("done") or ""),
    }
    return render(request, "knowledge.html", context, status_code=status)


@router.get(PAGE)
async def collections_page(request: Request, user: AdminUserDep) -> Response:
    return await _list_page(request, user)


@router.post(PAGE)
async def create_collection(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    values = form_values(form, CREATE_FIELDS)
    try:
        data = CollectionCreate.model_validate(values)
        created = await _knowledge(request).create_collection(user.actor, data)
    except (ModelyardError, ValidationError) as exc:
        errors = field_errors(exc, user.language)
        return await _list_page(request, user, errors=errors, values=values, status=_status(exc))
    return _done(request, f"{PAGE}/{created.id}", "created")


# --- one collection ----------------------------------------------------------------------


async def _collection_page(
    request: Request,
    user: WebUser,
    collection_id: str,
    *,
    errors: dict[str, Errors] | None = None,
    search: dict[str, str] | None = None,
    result: SearchResult | None = None,
    status: int = 200,
) -> Response:
    """The collection with its documents and forms; ``errors`` by form ("upload", "model",
    "search", "collection", or a document id), each by field."""
    knowledge = _knowledge(request)
    try:
        collection: CollectionOut = await knowledge.get_collection(user.actor, collection_id)
    except NotFound as exc:
        return render(request, "refused.html", {"message": exc.message}, status_code=404)
    documents = await knowledge.list_documents(user.actor, collection_id)
    embedding_models = await _embedding_models(request, user)
    by_id = {model.id: model for model in embedding_models}
    model = by_id.get(collection.embedding_model_id)
    context: dict[str, Any] = {
        "collection": collection,
        "documents": documents,
        "embedding_models": embedding_models,
        "model": model,
        "model_threshold": threshold_of(model),
        "form_errors": errors or {},
        "search": search or {},
        "result": result,
        "done": DONE.get(request.query_params.get("done") or ""),
    }
    return render(request, "knowledge_collection.html", context, status_code=status)


@router.get(PAGE + "/{collection_id}")
async def collection_page(request: Request, collection_id: str, user: AdminUserDep) -> Response:
    return await _collection_page(request, user, collection_id)


@router.post(PAGE + "/{collection_id}/documents")
async def upload_document(request: Request, collection_id: str, user: AdminUserDep) -> Response:
    """``read_upload`` runs first, as on the API: too large a body is refused from its
    Content-Length before it is read. The CSRF token is then checked on the form it
    parsed, before anything is embedded or stored (a refusal changes nothing, so it needs none).
    """
    try:
        upload = await read_upload(request)
    except ModelyardError as exc:
        if not isinstance(exc, uploads.PayloadTooLarge):
            await posted_form(request)  # the parsed form: an unknown page gets a 403 instead
        return await _upload_failed(request, user, collection_id, exc)
    await posted_form(request)
    try:
        await _knowledge(request).add_document(user.actor, collection_id, upload)
    except ModelyardError as exc:
        return await _upload_failed(request, user, collection_id, exc)
    return _done(request, f"{PAGE}/{collection_id}", "uploaded")


async def _upload_failed(
    request: Request, user: WebUser, collection_id: str, exc: ModelyardError
) -> Response:
    errors = {"upload": field_errors(exc, user.language)}
    return await _collection_page(request, user, collection_id, errors=errors, status=exc.status)


@router.post(PAGE + "/{collection_id}/documents/{document_id}/delete")
async def delete_document(
    request: Request, collection_id: str, document_id: str, user: AdminUserDep, form: FormDep
) -> Response:
    try:
        await _knowledge(request).delete_document(user.actor, collection_id, document_id)
    except ModelyardError as exc:
        errors = {document_id: {GENERAL: localize(exc.message, user.language)}}
        return await _collection_page(
            request, user, collection_id, errors=errors, status=exc.status
        )
    return _done(request, f"{PAGE}/{collection_id}", "removed")


@router.post(PAGE + "/{collection_id}/model")
async def change_model(
    request: Request, collection_id: str, user: AdminUserDep, form: FormDep
) -> Response:
    values: dict[str, Any] = form_values(form, ("embedding_model_id",))
    values["reindex"] = form.get("reindex") == "on"
    try:
        data = CollectionUpdate.model_validate(values)
        await _knowledge(request).update_collection(user.actor, collection_id, data)
    except (ModelyardError, ValidationError) as exc:
        errors = {"model": field_errors(exc, user.language)}
        return await _collection_page(
            request, user, collection_id, errors=errors, status=_status(exc)
        )
    return _done(request, f"{PAGE}/{collection_id}", "changed")


@router.post(PAGE + "/{collection_id}/search")
async def search(
    request: Request, collection_id: str, user: AdminUserDep, form: FormDep
) -> Response:
    values = form_values(form, SEARCH_FIELDS)
    said = texts(user.language)
    typed, unreadable = read_decimals(values, ("threshold",), user.language, said)
    try:
        if unreadable:
            raise InvalidInput(unreadable["threshold"], param="threshold")
        data = SearchRequest.model_validate(typed)
        result = await _knowledge(request).search(
            requester(user.actor), collection_id, data.query, data.top_k, data.threshold
        )
    except (ModelyardError, ValidationError) as exc:
        errors = {"search": field_errors(exc, user.language)}
        return await _collection_page(
            request, user, collection_id, errors=errors, search=values, status=_status(exc)
        )
    return await _collection_page(request, user, collection_id, search=values, result=result)


@router.post(PAGE + "/{collection_id}/delete")
async def delete_collection(
    request: Request, collection_id: str, user: AdminUserDep, form: FormDep
) -> Response:
    try:
        await _knowledge(request).delete_collection(user.actor, collection_id)
    except ModelyardError as exc:
        errors = {"collection": {GENERAL: localize(exc.message, user.language)}}
        return await _collection_page(
            request, user, collection_id, errors=errors, status=exc.status
        )
    return _done(request, PAGE, "deleted")
