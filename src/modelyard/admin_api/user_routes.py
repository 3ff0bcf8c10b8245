"""``/api/users``, ``/api/api-keys`` and the caller's own ``/api/me`` routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from modelyard.admin_api.deps import ActorDep, AdminDep, SessionDep
from modelyard.workspace import api_keys, users
from modelyard.workspace.key_schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyOut
from modelyard.workspace.schemas import (
    DefaultModelOut,
    DefaultModelSet,
    UserCreate,
    UserOut,
    UserUpdate,
)

router = APIRouter(prefix="/api", tags=["users"])


@router.get("/users")
def list_users(
    actor: AdminDep,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="email or name contains")] = None,
) -> list[UserOut]:
    return users.list_users(session, actor, q)


@router.post("/users", status_code=201)
def create_user(data: UserCreate, actor: AdminDep, session: SessionDep) -> UserOut:
    return users.create_user(session, actor, data)


@router.get("/users/{user_id}")
def get_user(user_id: str, actor: AdminDep, session: SessionDep) -> UserOut:
    return users.get_user(session, actor, user_id)


@router.patch("/users/{user_id}")
def update_user(user_id: str, data: UserUpdate, actor: AdminDep, session: SessionDep) -> UserOut:
    return users.update_user(session, actor, user_id, data)


@router.post("/users/{user_id}/api-keys", status_code=201)
def create_api_key(
    user_id: str, actor: ActorDep, session: SessionDep, data: ApiKeyCreate | None = None
) -> ApiKeyIssued:
    return api_keys.create_key(session, actor, user_id, data or ApiKeyCreate())


@router.get("/users/{user_id}/api-keys")
def list_api_keys(user_id: str, actor: ActorDep, session: SessionDep) -> list[ApiKeyOut]:
    return api_keys.list_keys(session, actor, user_id)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: str, actor: ActorDep, session: SessionDep) -> Response:
    api_keys.revoke_key(session, actor, key_id)
    return Response(status_code=204)


@router.get("/me")
def me(actor: ActorDep, session: SessionDep) -> UserOut:
    return users.get_me(session, actor)


@router.patch("/me")
def update_me(data: UserUpdate, actor: ActorDep, session: SessionDep) -> UserOut:
    """Anyone's own name and language; role and password stay with admins (403)."""
    return users.update_me(session, actor, data)


@router.get("/me/api-keys")
def my_api_keys(actor: ActorDep, session: SessionDep) -> list[ApiKeyOut]:
    return api_keys.list_keys(session, actor, actor.user_id)


@router.post("/me/api-keys", status_code=201)
def create_my_api_key(
    actor: ActorDep, session: SessionDep, data: ApiKeyCreate | None = None
) -> ApiKeyIssued:
    return api_keys.create_key(session, actor, actor.user_id, data or ApiKeyCreate())


@router.get("/me/default-model")
def get_default_model(actor: ActorDep, session: SessionDep) -> DefaultModelOut:
    return users.get_default_model(session, actor)


@router.put("/me/default-model")
def set_default_model(
    data: DefaultModelSet, actor: ActorDep, session: SessionDep
) -> DefaultModelOut:
    return users.set_default_model(session, actor, data)
