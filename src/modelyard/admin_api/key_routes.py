"""``/api/model-keys``: provider credentials (write-only secrets)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from modelyard.admin_api.deps import AdminDep, ServicesDep, SessionDep
from modelyard.workspace import model_keys
from modelyard.workspace.schemas import ModelKeyCreate, ModelKeyOut, ModelKeyUpdate

router = APIRouter(prefix="/api/model-keys", tags=["model keys"])


@router.post("", status_code=201)
def create_key(
    data: ModelKeyCreate,
    actor: AdminDep,
    session: SessionDep,
    services: ServicesDep,
    duplicates: Literal["ask"] | None = None,
) -> ModelKeyOut:
    """``?duplicates=ask``: 409 ``duplicate_key_name`` if a key of this name exists."""
    return model_keys.create_key(
        session,
        actor,
        services.secret_box,
        services.settings.allowed_upstream_hosts,
        data,
        confirm_duplicate=duplicates != "ask",
    )


@router.get("")
def list_keys(actor: AdminDep, session: SessionDep) -> list[ModelKeyOut]:
    return model_keys.list_keys(session, actor)


@router.get("/{key_id}")
def get_key(key_id: str, actor: AdminDep, session: SessionDep) -> ModelKeyOut:
    return model_keys.get_key(session, actor, key_id)


@router.patch("/{key_id}")
def update_key(
    key_id: str, data: ModelKeyUpdate, actor: AdminDep, session: SessionDep, services: ServicesDep
) -> ModelKeyOut:
    return model_keys.update_key(
        session, actor, services.secret_box, services.settings.allowed_upstream_hosts, key_id, data
    )


@router.delete("/{key_id}", status_code=204)
def delete_key(key_id: str, actor: AdminDep, session: SessionDep) -> Response:
    model_keys.delete_key(session, actor, key_id)
    return Response(status_code=204)
