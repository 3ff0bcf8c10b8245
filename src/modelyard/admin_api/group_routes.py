"""``/api/groups``: groups, their members and the models given to them (admins and owners)."""

from __future__ import annotations

from fastapi import APIRouter

from modelyard.admin_api.deps import AdminDep, SessionDep
from modelyard.workspace import groups
from modelyard.workspace.group_schemas import (
    GroupCreate,
    GroupDeleted,
    GroupDetail,
    GroupMembersSet,
    GroupModelsOut,
    GroupModelsSet,
    GroupOut,
    GroupUpdate,
)

router = APIRouter(prefix="/api/groups", tags=["groups"])


@router.get("")
def list_groups(actor: AdminDep, session: SessionDep) -> list[GroupOut]:
    return groups.list_groups(session, actor)


@router.post("", status_code=201)
def create_group(data: GroupCreate, actor: AdminDep, session: SessionDep) -> GroupOut:
    """A new, empty group; ``name`` is unique in the workspace (ignoring case): 409 otherwise."""
    return groups.create_group(session, actor, data)


@router.get("/{group_id}")
def get_group(group_id: str, actor: AdminDep, session: SessionDep) -> GroupDetail:
    """The group with its members and the models given to it."""
    return groups.get_group(session, actor, group_id)


@router.patch("/{group_id}")
def update_group(
    group_id: str, data: GroupUpdate, actor: AdminDep, session: SessionDep
) -> GroupOut:
    return groups.update_group(session, actor, group_id, data)


@router.delete("/{group_id}")
def delete_group(group_id: str, actor: AdminDep, session: SessionDep) -> GroupDeleted:
    """Delete the group, its memberships and its model access. ``admins_only`` names the
    restricted models no group has any more (only admins and owners can use them now)."""
    return groups.delete_group(session, actor, group_id)


@router.put("/{group_id}/members")
def set_members(
    group_id: str, data: GroupMembersSet, actor: AdminDep, session: SessionDep
) -> GroupDetail:
    """Replace the members; an id that is no user of this workspace is a 422 naming it."""
    return groups.set_members(session, actor, group_id, data)


@router.put("/{group_id}/models")
def set_models(
    group_id: str, data: GroupModelsSet, actor: AdminDep, session: SessionDep
) -> GroupModelsOut:
    """Give the group exactly these models in one change. Listed models open to everyone are
    restricted to their groups (``restricted``); models taken away that no group has any more
    are left to admins and owners (``admins_only``)."""
    return groups.set_models(session, actor, group_id, data)
