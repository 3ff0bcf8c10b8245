"""SCIM Groups over ``groups`` rows: ``displayName`` is the group's name (unique in the
workspace, ignoring case, as in :mod:`modelyard.workspace.groups`), ``members`` its users.

Written on the tables here because the domain's functions take an admin actor and an
identity provider has none; the rules are the same, and every change is audited, which bumps
the workspace's ``config_version``: model access given by group follows on every replica.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from modelyard.scim import filters, patch
from modelyard.scim.errors import ScimError, invalid_value, not_found
from modelyard.scim.filters import get_ci
from modelyard.scim.resources import Query, commit, page_of, text_or_none
from modelyard.scim.schemas import GROUP_SCHEMA
from modelyard.storage.deletion import delete_row
from modelyard.storage.tables import GroupMemberRow, GroupRow, ModelAccessRow, ModelRow, UserRow
from modelyard.storage.types import utcnow
from modelyard.workspace import audit
from modelyard.workspace.ids import new_id
from modelyard.workspace.model_access import GROUPS

SHAPE = patch.Shape(
    names={
        "displayname": "displayName",
        "externalid": "externalId",
        "members": "members",
        "members.value": "value",
        "members.$ref": "$ref",
        "members.type": "type",
        "members.display": "display",
    },
    complex=frozenset(),
    multi=frozenset({"members"}),
    core_schema=GROUP_SCHEMA,
)
REQUEST_ONLY = frozenset({("members", "display")})
_HINTS = frozenset({"displayname", "externalid", "id"})


def _members_of(session: Session, group_ids: list[str]) -> dict[str, list[UserRow]]:
    out: dict[str, list[UserRow]] = {group_id: [] for group_id in group_ids}
    if group_ids:
        for group_id, user in session.execute(
            select(GroupMemberRow.group_id, UserRow)
            .join(UserRow, UserRow.id == GroupMemberRow.user_id)
            .where(GroupMemberRow.group_id.in_(group_ids), UserRow.deleted_at.is_(None))
            .order_by(UserRow.id)
        ):
            out[group_id].append(user)
    return out


def to_doc(row: GroupRow, members: list[UserRow], base: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": row.id}
    if row.external_id:
        doc["externalId"] = row.external_id
    doc["displayName"] = row.name
    if members:
        doc["members"] = [
            {
                "value": user.id,
                "$ref": f"{base}/Users/{user.id}",
                "type": "User",
                "display": user.name or user.email,
            }
            for user in members
        ]
    doc["meta"] = {
        "resourceType": "Group",
        "created": row.created_at.isoformat(),
        "lastModified": row.updated_at.isoformat(),
        "location": f"{base}/Groups/{row.id}",
    }
    return doc


def _doc(session: Session, row: GroupRow, base: str) -> dict[str, Any]:
    return to_doc(row, _members_of(session, [row.id])[row.id], base)


def _load(session: Session, workspace_id: str, group_id: str) -> GroupRow:
    row = session.get(GroupRow, group_id)
    if row is None or row.workspace_id != workspace_id:
        raise not_found("Group", group_id)
    return row


def _member_ids(session: Session, workspace_id: str, value: Any) -> list[str]:
    """The users a ``members`` value names (by ``value``, else the end of ``$ref``), each a
    live user of this workspace; duplicates count once."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_value("'members' must be a list.")
    wanted: list[str] = []
    for member in value:
        if not isinstance(member, dict):
            raise invalid_value("Each of 'members' must be an object with a 'value'.")
        kind = get_ci(member, "type")
        if kind is not None and (not isinstance(kind, str) or kind.lower() != "user"):
            raise invalid_value("'members' may only hold users (type 'User'): no nested groups.")
        user_id = get_ci(member, "value")
        ref = get_ci(member, "$ref")
        if user_id is None and isinstance(ref, str):
            user_id = ref.rstrip("/").rpartition("/")[2]
        if not isinstance(user_id, str) or not user_id:
            raise invalid_value("Each of 'members' needs a 'value': the user's id.")
        if user_id not in wanted:
            wanted.append(user_id)
    known = (
        set(
            session.scalars(
                select(UserRow.id).where(
                    UserRow.workspace_id == workspace_id,
                    UserRow.deleted_at.is_(None),
                    UserRow.id.in_(wanted),
                )
            )
        )
        if wanted
        else set()
    )
    for user_id in wanted:
        if user_id not in known:
            raise invalid_value(f"'members': no user with id '{user_id}' in this workspace.")
    return sorted(wanted)


def _fields(session: Session, workspace_id: str, doc: Any) -> tuple[str, str | None, list[str]]:
    if not isinstance(doc, dict):
        raise ScimError(400, "The body must be a Group object.", "invalidSyntax")
    name = text_or_none(get_ci(doc, "displayname"), "displayName")
    if name is None:
        raise invalid_value("'displayName' is required (the group's name).")
    external_id = text_or_none(get_ci(doc, "externalid"), "externalId")
    return name, external_id, _member_ids(session, workspace_id, get_ci(doc, "members"))


def _name_free(session: Session, workspace_id: str, name: str, own_id: str | None) -> None:
    taken = session.scalar(
        select(GroupRow.id).where(
            GroupRow.workspace_id == workspace_id, func.lower(GroupRow.name) == name.lower()
        )
    )
    if taken is not None and taken != own_id:
        raise ScimError(409, f"A group named '{name}' already exists.", "uniqueness")


def _set_members(
    session: Session, row: GroupRow, wanted: list[str], seen: set[str] | None = None
) -> bool:
    """Make the members ``wanted``; with ``seen`` (the members a PATCH started from) only
    the PATCH's own additions and removals are applied, so that two identity provider calls
    changing different members of one group at once both keep their change."""
    current = set(
        session.scalars(select(GroupMemberRow.user_id).where(GroupMemberRow.group_id == row.id))
    )
    base = current if seen is None else seen
    added = sorted((set(wanted) - base) - current)
    removed = sorted((base - set(wanted)) & current)
    if removed:
        session.execute(
            delete(GroupMemberRow).where(
                GroupMemberRow.group_id == row.id, GroupMemberRow.user_id.in_(removed)
            )
        )
    session.add_all(GroupMemberRow(group_id=row.id, user_id=user_id) for user_id in added)
    if added or removed:
        audit.record(
            session,
            None,
            "group.members",
            "group",
            row.id,
            workspace_id=row.workspace_id,
            source="scim",
            fields=["members"],
            added=added,
            removed=removed,
        )
    return bool(added or removed)


def create(
    session: Session, workspace_id: str, base: str, body: Any, request_id: str | None
) -> dict[str, Any]:
    name, external_id, members = _fields(session, workspace_id, body)
    _name_free(session, workspace_id, name, None)
    row = GroupRow(id=new_id("grp"), workspace_id=workspace_id, name=name, external_id=external_id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        None,
        "group.create",
        "group",
        row.id,
        workspace_id=workspace_id,
        source="scim",
        fields=["name", "external_id"],
    )
    _set_members(session, row, members)
    commit(session, request_id)
    return _doc(session, row, base)


def _update(
    session: Session,
    row: GroupRow,
    doc: Any,
    base: str,
    request_id: str | None,
    seen: set[str] | None = None,
) -> dict[str, Any]:
    name, external_id, members = _fields(session, row.workspace_id, doc)
    changed: list[str] = []
    if name != row.name:
        _name_free(session, row.workspace_id, name, row.id)
        row.name = name
        changed.append("name")
    if external_id != row.external_id:
        row.external_id = external_id
        changed.append("external_id")
    if changed:
        audit.record(
            session,
            None,
            "group.update",
            "group",
            row.id,
            workspace_id=row.workspace_id,
            source="scim",
            fields=changed,
        )
    if _set_members(session, row, members, seen) or changed:
        row.updated_at = utcnow()
    commit(session, request_id)
    return _doc(session, row, base)


def replace(
    session: Session, workspace_id: str, base: str, group_id: str, body: Any, request_id: str | None
) -> dict[str, Any]:
    return _update(session, _load(session, workspace_id, group_id), body, base, request_id)


def modify(
    session: Session, workspace_id: str, base: str, group_id: str, body: Any, request_id: str | None
) -> dict[str, Any]:
    row = _load(session, workspace_id, group_id)
    doc = _doc(session, row, base)
    seen = {member["value"] for member in doc.get("members", [])}
    patch.apply(doc, body, SHAPE)
    return _update(session, row, doc, base, request_id, seen)


def remove(session: Session, workspace_id: str, group_id: str, request_id: str | None) -> None:
    """Delete the group, its memberships and its model access, as the admin API does; a
    restricted model left without groups stays restricted (admins only), named in the audit."""
    row = _load(session, workspace_id, group_id)
    model_ids = list(
        session.scalars(select(ModelAccessRow.model_id).where(ModelAccessRow.group_id == row.id))
    )
    session.execute(delete(GroupMemberRow).where(GroupMemberRow.group_id == row.id))
    session.execute(delete(ModelAccessRow).where(ModelAccessRow.group_id == row.id))
    delete_row(session, row, not_found("Group", group_id))
    session.flush()
    still_given = select(ModelAccessRow.model_id).where(ModelAccessRow.model_id == ModelRow.id)
    orphaned = (
        list(
            session.scalars(
                select(ModelRow.id).where(
                    ModelRow.id.in_(model_ids),
                    ModelRow.access_mode == GROUPS,
                    ~still_given.exists(),
                )
            )
        )
        if model_ids
        else []
    )
    audit.record(
        session,
        None,
        "group.delete",
        "group",
        row.id,
        workspace_id=workspace_id,
        source="scim",
        name=row.name,
        admins_only=sorted(orphaned),
    )
    commit(session, request_id)


def get(session: Session, workspace_id: str, base: str, group_id: str) -> dict[str, Any]:
    return _doc(session, _load(session, workspace_id, group_id), base)


def matching(session: Session, workspace_id: str, base: str, query: Query) -> list[dict[str, Any]]:
    """The groups matching ``query.filter`` (all without one), oldest first."""
    node = filters.parse(query.filter, GROUP_SCHEMA) if query.filter is not None else None
    statement = select(GroupRow).where(GroupRow.workspace_id == workspace_id)
    hint = filters.equality_hint(node, _HINTS) if node is not None else None
    if hint is not None:
        attr, value = hint
        if attr == "displayname":
            statement = statement.where(func.lower(GroupRow.name) == value.lower())
        elif attr == "externalid":
            statement = statement.where(GroupRow.external_id == value)
        else:
            statement = statement.where(GroupRow.id == value)
    rows = list(session.scalars(statement.order_by(GroupRow.created_at, GroupRow.id)))
    # Members only when they are returned or filtered on (Entra asks without them).
    needs_members = "members" not in {n.lower() for n in query.excluded} or (
        query.filter is not None and "members" in query.filter.lower()
    )
    members = _members_of(session, [row.id for row in rows]) if needs_members else {}
    docs = [to_doc(row, members.get(row.id, []), base) for row in rows]
    if node is not None:
        docs = [doc for doc in docs if filters.matches(node, doc)]
    return docs


def search(session: Session, workspace_id: str, base: str, query: Query) -> dict[str, Any]:
    """One page of :func:`matching`, with the attributes asked for."""
    return page_of(matching(session, workspace_id, base, query), query, GROUP_SCHEMA, REQUEST_ONLY)
