"""Groups of a workspace: create, read, rename, delete, set their members and their models.

Model access is given by group, not model by model: ``set_models`` gives a group several
models in one change. Every change is audited, and the audit row bumps the workspace's
``config_version``, so every gateway process reloads who may use what on its next call. A
concurrent write the constraints refuse (the same name twice) is the 409 of
``storage.integrity``, naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.storage.deletion import delete_row
from modelyard.storage.tables import GroupMemberRow, GroupRow, ModelAccessRow, ModelRow, UserRow
from modelyard.workspace import audit, budgets
from modelyard.workspace.actor import Actor
from modelyard.workspace.group_schemas import (
    GroupCreate,
    GroupDeleted,
    GroupDetail,
    GroupMembersSet,
    GroupModelsOut,
    GroupModelsSet,
    GroupOut,
    GroupUpdate,
    ModelRef,
    UserRef,
)
from modelyard.workspace.ids import new_id
from modelyard.workspace.model_access import EVERYONE, GROUPS


def load_group(session: Session, actor: Actor, group_id: str) -> GroupRow:
    """The workspace's group, or 404: another workspace's id is as unknown as a made-up one."""
    row = session.get(GroupRow, group_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(f"No group with id '{group_id}' in this workspace.", param="group_id")
    return row


def _check_name_free(session: Session, actor: Actor, name: str, own_id: str | None) -> None:
    """Names are unique in the workspace, ignoring case ("Sales" and "sales" would confuse)."""
    taken = session.scalar(
        select(GroupRow.id).where(
            GroupRow.workspace_id == actor.workspace_id,
            func.lower(GroupRow.name) == name.lower(),
        )
    )
    if taken is not None and taken != own_id:
        raise Conflict(f"A group named '{name}' already exists.", param="name", code="name_taken")


def create_group(session: Session, actor: Actor, data: GroupCreate) -> GroupOut:
    actor.require_admin()
    _check_name_free(session, actor, data.name, None)
    row = GroupRow(
        id=new_id("grp"),
        workspace_id=actor.workspace_id,
        name=data.name,
        description=data.description,
    )
    session.add(row)
    audit.record(session, actor, "group.create", "group", row.id)
    session.commit()
    return _outs(session, [row])[0]


def list_groups(session: Session, actor: Actor) -> list[GroupOut]:
    actor.require_admin()
    rows = session.scalars(
        select(GroupRow)
        .where(GroupRow.workspace_id == actor.workspace_id)
        .order_by(func.lower(GroupRow.name), GroupRow.id)
    )
    return _outs(session, list(rows))


def get_group(session: Session, actor: Actor, group_id: str) -> GroupDetail:
    actor.require_admin()
    return _detail(session, load_group(session, actor, group_id))


def update_group(session: Session, actor: Actor, group_id: str, data: GroupUpdate) -> GroupOut:
    actor.require_admin()
    row = load_group(session, actor, group_id)
    sent = data.model_fields_set
    for field in ("name", "description"):
        if field in sent and getattr(data, field) is None:
            raise InvalidInput(f"'{field}' cannot be null.", param=field, code="null_not_allowed")
    if data.name is not None and data.name != row.name:
        _check_name_free(session, actor, data.name, row.id)
        row.name = data.name
    if data.description is not None:
        row.description = data.description
    audit.record(session, actor, "group.update", "group", row.id, fields=sorted(sent))
    session.commit()
    return _outs(session, [row])[0]


def delete_group(session: Session, actor: Actor, group_id: str) -> GroupDeleted:
    """Delete a group with its memberships and model access. A restricted model that no group
    has any more stays restricted (admins and owners only): access fails closed, and the
    answer names those models so the admin can give them to another group."""
    actor.require_admin()
    row = load_group(session, actor, group_id)
    model_ids = list(
        session.scalars(select(ModelAccessRow.model_id).where(ModelAccessRow.group_id == row.id))
    )
    session.execute(delete(GroupMemberRow).where(GroupMemberRow.group_id == row.id))
    session.execute(delete(ModelAccessRow).where(ModelAccessRow.group_id == row.id))
    budget_ids = budgets.delete_for_scope(session, row.workspace_id, "group", [row.id])
    delete_row(
        session,
        row,
        NotFound(f"No group with id '{group_id}' in this workspace.", param="group_id"),
    )
    session.flush()
    orphaned = _without_groups(session, model_ids)
    audit.record(
        session,
        actor,
        "group.delete",
        "group",
        row.id,
        name=row.name,
        admins_only=[m.id for m in orphaned],
        budgets_deleted=budget_ids,
    )
    session.commit()
    return GroupDeleted(id=row.id, admins_only=orphaned)


def set_members(
    session: Session, actor: Actor, group_id: str, data: GroupMembersSet
) -> GroupDetail:
    """Replace the group's members. Users of another workspace (or unknown ids) are a 422
    naming the first bad id; duplicates count once."""
    actor.require_admin()
    row = load_group(session, actor, group_id)
    wanted = sorted(set(data.user_ids))
    known = (
        set(
            session.scalars(
                select(UserRow.id).where(
                    UserRow.workspace_id == actor.workspace_id, UserRow.id.in_(wanted)
                )
            )
        )
        if wanted
        else set()
    )
    unknown = [user_id for user_id in wanted if user_id not in known]
    if unknown:
        raise InvalidInput(
            f"No user with id '{unknown[0]}' in this workspace.",
            param="user_ids",
            code="unknown_user",
        )
    current = set(
        session.scalars(select(GroupMemberRow.user_id).where(GroupMemberRow.group_id == row.id))
    )
    added, removed = sorted(known - current), sorted(current - known)
    if removed:
        session.execute(
            delete(GroupMemberRow).where(
                GroupMemberRow.group_id == row.id, GroupMemberRow.user_id.in_(removed)
            )
        )
    session.add_all(GroupMemberRow(group_id=row.id, user_id=user_id) for user_id in added)
    audit.record(session, actor, "group.members", "group", row.id, added=added, removed=removed)
    session.commit()
    return _detail(session, row)


def set_models(
    session: Session, actor: Actor, group_id: str, data: GroupModelsSet
) -> GroupModelsOut:
    """Give the group exactly these models, in one change. Giving a model to a group restricts
    it to its groups: a listed model that was open to everyone is restricted now (named in
    ``restricted``: everyone outside its groups loses it). A model taken from the group keeps
    its other groups; with none left, only admins and owners can use it (``admins_only``)."""
    actor.require_admin()
    row = load_group(session, actor, group_id)
    wanted = sorted(set(data.model_ids))
    models = (
        {
            m.id: m
            for m in session.scalars(
                select(ModelRow).where(
                    ModelRow.workspace_id == actor.workspace_id, ModelRow.id.in_(wanted)
                )
            )
        }
        if wanted
        else {}
    )
    unknown = [model_id for model_id in wanted if model_id not in models]
    if unknown:
        raise InvalidInput(
            f"No model with id '{unknown[0]}' in this workspace.",
            param="model_ids",
            code="unknown_model",
        )
    current = set(
        session.scalars(select(ModelAccessRow.model_id).where(ModelAccessRow.group_id == row.id))
    )
    added, removed = sorted(set(models) - current), sorted(current - set(models))
    restricted = [models[m] for m in wanted if models[m].access_mode == EVERYONE]
    for model in restricted:
        model.access_mode = GROUPS
    if removed:
        session.execute(
            delete(ModelAccessRow).where(
                ModelAccessRow.group_id == row.id, ModelAccessRow.model_id.in_(removed)
            )
        )
    session.add_all(ModelAccessRow(model_id=m, group_id=row.id) for m in added)
    session.flush()
    orphaned = _without_groups(session, removed)
    audit.record(
        session,
        actor,
        "group.models",
        "group",
        row.id,
        added=added,
        removed=removed,
        restricted=[m.id for m in restricted],
    )
    session.commit()
    detail = _detail(session, row)
    return GroupModelsOut(
        **detail.model_dump(),
        restricted=[_model_ref(m) for m in restricted],
        admins_only=orphaned,
    )


def _without_groups(session: Session, model_ids: Sequence[str]) -> list[ModelRef]:
    """Those of the models that are restricted to groups and have none left."""
    if not model_ids:
        return []
    still_given = select(ModelAccessRow.model_id).where(ModelAccessRow.model_id == ModelRow.id)
    rows = session.scalars(
        select(ModelRow)
        .where(
            ModelRow.id.in_(model_ids),
            ModelRow.access_mode == GROUPS,
            ~still_given.exists(),
        )
        .order_by(ModelRow.slug)
    )
    return [_model_ref(m) for m in rows]


def _model_ref(row: ModelRow) -> ModelRef:
    return ModelRef(id=row.id, slug=row.slug, display_name=row.display_name, kind=row.kind)


def _outs(session: Session, rows: Sequence[GroupRow]) -> list[GroupOut]:
    """Render groups with their member and model ids in two queries, whatever the count."""
    ids = [row.id for row in rows]
    members: dict[str, list[str]] = {group_id: [] for group_id in ids}
    models: dict[str, list[str]] = {group_id: [] for group_id in ids}
    if ids:
        for group_id, user_id in session.execute(
            select(GroupMemberRow.group_id, GroupMemberRow.user_id)
            .where(GroupMemberRow.group_id.in_(ids))
            .order_by(GroupMemberRow.user_id)
        ):
            members[group_id].append(user_id)
        # Only restricted models: on a model open to everyone a group row would mean nothing.
        for group_id, model_id in session.execute(
            select(ModelAccessRow.group_id, ModelAccessRow.model_id)
            .join(ModelRow, ModelRow.id == ModelAccessRow.model_id)
            .where(ModelAccessRow.group_id.in_(ids), ModelRow.access_mode == GROUPS)
            .order_by(ModelAccessRow.model_id)
        ):
            models[group_id].append(model_id)
    return [
        GroupOut(
            id=row.id,
            name=row.name,
            description=row.description,
            member_ids=members[row.id],
            model_ids=models[row.id],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def _detail(session: Session, row: GroupRow) -> GroupDetail:
    out = _outs(session, [row])[0]
    people = session.scalars(
        select(UserRow).where(UserRow.id.in_(out.member_ids)).order_by(UserRow.email)
    )
    models = session.scalars(
        select(ModelRow).where(ModelRow.id.in_(out.model_ids)).order_by(ModelRow.slug)
    )
    return GroupDetail(
        **out.model_dump(),
        members=[
            UserRef.model_validate({"id": u.id, "email": u.email, "name": u.name, "role": u.role})
            for u in people
        ],
        models=[_model_ref(m) for m in models],
    )
