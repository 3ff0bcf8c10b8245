"""Model access by group, as stored: the model field ``access``, who can use a model, and the
domain's question "may this user use this stored model?".

The rule itself is :func:`modelyard.routing.access.member_may_use`, written once: the gateway
asks it of the in-memory snapshot, this module of stored rows (for the default model, the web
pages and the admin's "who can use it" view), so the two can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modelyard.errors import InvalidInput
from modelyard.routing.access import member_may_use
from modelyard.storage.tables import GroupMemberRow, GroupRow, ModelAccessRow, ModelRow, UserRow
from modelyard.workspace.actor import ADMIN_ROLES, Actor
from modelyard.workspace.group_schemas import AccessUser, GroupRef, ModelAccessReport
from modelyard.workspace.schemas import ModelAccess

EVERYONE = "everyone"
GROUPS = "groups"


@dataclass(frozen=True, slots=True)
class StoredAccess:
    """A stored model as the access rule reads it (``routing.access.Governed``)."""

    visible: bool
    access_group_ids: frozenset[str] | None


def groups_of_models(session: Session, model_ids: Sequence[str]) -> dict[str, list[str]]:
    """The groups each model is given to (sorted ids), in one query."""
    out: dict[str, list[str]] = defaultdict(list)
    if not model_ids:
        return out
    for model_id, group_id in session.execute(
        select(ModelAccessRow.model_id, ModelAccessRow.group_id)
        .where(ModelAccessRow.model_id.in_(model_ids))
        .order_by(ModelAccessRow.group_id)
    ):
        out[model_id].append(group_id)
    return out


def groups_of_users(session: Session, user_ids: Sequence[str]) -> dict[str, list[str]]:
    """The groups each user belongs to (sorted ids), in one query."""
    out: dict[str, list[str]] = defaultdict(list)
    if not user_ids:
        return out
    for user_id, group_id in session.execute(
        select(GroupMemberRow.user_id, GroupMemberRow.group_id)
        .where(GroupMemberRow.user_id.in_(user_ids))
        .order_by(GroupMemberRow.group_id)
    ):
        out[user_id].append(group_id)
    return out


def access_out(row: ModelRow, group_ids: Iterable[str]) -> ModelAccess:
    if row.access_mode == GROUPS:
        return ModelAccess(mode="groups", group_ids=sorted(group_ids))
    return ModelAccess(mode="everyone")


def check_groups(session: Session, workspace_id: str, ids: Iterable[str], param: str) -> list[str]:
    """The ids, deduplicated, when all are groups of this workspace; else a 422 naming the
    first unknown one (another workspace's group is as unknown as a made-up id)."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    known = set(
        session.scalars(
            select(GroupRow.id).where(
                GroupRow.workspace_id == workspace_id, GroupRow.id.in_(wanted)
            )
        )
    )
    unknown = [group_id for group_id in wanted if group_id not in known]
    if unknown:
        raise InvalidInput(
            f"No group with id '{unknown[0]}' in this workspace.", param=param, code="unknown_group"
        )
    return wanted


def set_access(session: Session, actor: Actor, row: ModelRow, access: ModelAccess) -> None:
    """Write the model's ``access`` (mode and groups), in the caller's transaction. ``group_ids``
    with mode ``everyone`` is refused rather than silently dropped."""
    if access.mode == EVERYONE and access.group_ids:
        raise InvalidInput(
            "'access.group_ids' applies only with mode 'groups'.",
            param="access.group_ids",
            code="groups_without_mode",
        )
    group_ids = check_groups(session, actor.workspace_id, access.group_ids, "access.group_ids")
    row.access_mode = access.mode
    session.flush()  # the model row exists before rows that refer to it
    session.execute(delete(ModelAccessRow).where(ModelAccessRow.model_id == row.id))
    session.add_all(ModelAccessRow(model_id=row.id, group_id=g) for g in group_ids)


def delete_for_model(session: Session, model_id: str) -> None:
    session.execute(delete(ModelAccessRow).where(ModelAccessRow.model_id == model_id))


def _governed(row: ModelRow, group_ids: Iterable[str]) -> StoredAccess:
    groups = frozenset(group_ids) if row.access_mode == GROUPS else None
    return StoredAccess(visible=row.visible, access_group_ids=groups)


def may_use(session: Session, user_id: str, role: str, model: ModelRow) -> bool:
    """Whether this user may use this stored model: the gateway's rule, asked of the database
    (two small queries; never on the ``/v1`` path, which asks the snapshot)."""
    if role in ADMIN_ROLES:
        return True
    model_groups = groups_of_models(session, [model.id]).get(model.id, [])
    user_groups = frozenset(groups_of_users(session, [user_id]).get(user_id, []))
    return member_may_use(_governed(model, model_groups), user_groups, is_admin=False)


def usable_by(
    session: Session, user_id: str, role: str, models: Sequence[ModelRow]
) -> list[ModelRow]:
    """Those of ``models`` this user may use, in order (two queries, whatever the count)."""
    if role in ADMIN_ROLES:
        return list(models)
    model_groups = groups_of_models(session, [m.id for m in models])
    user_groups = frozenset(groups_of_users(session, [user_id]).get(user_id, []))
    return [
        m
        for m in models
        if member_may_use(_governed(m, model_groups.get(m.id, [])), user_groups, is_admin=False)
    ]


def who_can_use(session: Session, actor: Actor, model: ModelRow) -> ModelAccessReport:
    """Every active user of the workspace who can use the model now, and why."""
    actor.require_admin()
    group_ids = groups_of_models(session, [model.id]).get(model.id, [])
    governed = _governed(model, group_ids)
    names: dict[str, str] = {
        group_id: name
        for group_id, name in session.execute(
            select(GroupRow.id, GroupRow.name).where(GroupRow.id.in_(group_ids))
        )
    }
    people = list(
        session.scalars(
            select(UserRow)
            .where(UserRow.workspace_id == actor.workspace_id, UserRow.deactivated_at.is_(None))
            .order_by(UserRow.email)
        )
    )
    memberships = groups_of_users(session, [u.id for u in people])
    users: list[AccessUser] = []
    for user in people:
        mine = frozenset(memberships.get(user.id, []))
        is_admin = user.role in ADMIN_ROLES
        if not member_may_use(governed, mine, is_admin=is_admin):
            continue
        via = (
            "role" if is_admin else ("everyone" if governed.access_group_ids is None else "groups")
        )
        shared = sorted(mine & set(group_ids)) if via == "groups" else []
        users.append(
            AccessUser(
                id=user.id,
                email=user.email,
                name=user.name,
                role=user.role,
                via=via,
                group_ids=shared,
            )
        )
    return ModelAccessReport(
        model_id=model.id,
        mode="groups" if model.access_mode == GROUPS else "everyone",
        visible=model.visible,
        groups=[GroupRef(id=g, name=names.get(g, "")) for g in group_ids],
        user_count=len(users),
        users=users,
    )
