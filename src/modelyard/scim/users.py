"""SCIM Users over ``users`` rows: a user's email is ``userName``, their one name is
``displayName`` (``name.givenName``/``familyName`` split it at the last word), and
``active: false`` or DELETE go through :mod:`modelyard.workspace.user_lifecycle`.

Users the identity provider creates are members without a password (they sign in by single
sign-on). A userName that belonged to a deleted user revives that user (same id, so their
usage history stays theirs) as a fresh member: no password, no keys, no groups, no OpenID link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.scim import filters, patch
from modelyard.scim.errors import ScimError, invalid_value, not_found
from modelyard.scim.filters import get_ci
from modelyard.scim.resources import Query, boolean, commit, page_of, text_or_none
from modelyard.scim.schemas import USER_SCHEMA
from modelyard.storage.tables import GroupMemberRow, GroupRow, UserRow
from modelyard.workspace import audit, user_lifecycle
from modelyard.workspace.ids import new_id

SHAPE = patch.Shape(
    names={
        "username": "userName",
        "name": "name",
        "name.givenname": "givenName",
        "name.familyname": "familyName",
        "name.formatted": "formatted",
        "displayname": "displayName",
        "active": "active",
        "externalid": "externalId",
        "emails": "emails",
        "emails.value": "value",
        "emails.type": "type",
        "emails.primary": "primary",
    },
    complex=frozenset({"name"}),
    multi=frozenset({"emails"}),
    core_schema=USER_SCHEMA,
)
REQUEST_ONLY = frozenset({("name", "formatted")})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# Filters whose ``eq`` narrows the query to an indexed column (the rest is evaluated here).
_HINTS = frozenset({"username", "emails.value", "externalid", "id"})


@dataclass(frozen=True, slots=True)
class Fields:
    """What a SCIM User sets of a row."""

    email: str
    name: str
    external_id: str | None
    active: bool


def split_name(name: str) -> tuple[str | None, str | None]:
    """(givenName, familyName): the name before its last word, and that word."""
    words = name.split()
    if not words:
        return None, None
    if len(words) == 1:
        return words[0], None
    return " ".join(words[:-1]), words[-1]


def to_doc(row: UserRow, groups: list[tuple[str, str]], base: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": row.id}
    if row.external_id:
        doc["externalId"] = row.external_id
    doc["userName"] = row.email
    if row.name:
        given, family = split_name(row.name)
        name = {"formatted": row.name, "givenName": given, "familyName": family}
        doc["name"] = {k: v for k, v in name.items() if v is not None}
        doc["displayName"] = row.name
    doc["active"] = row.deactivated_at is None
    doc["emails"] = [{"value": row.email, "type": "work", "primary": True}]
    if groups:
        doc["groups"] = [
            {"value": gid, "$ref": f"{base}/Groups/{gid}", "display": gname, "type": "direct"}
            for gid, gname in groups
        ]
    doc["meta"] = {
        "resourceType": "User",
        "created": row.created_at.isoformat(),
        "location": f"{base}/Users/{row.id}",
    }
    return doc


def _groups_of(session: Session, user_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        for user_id, group_id, name in session.execute(
            select(GroupMemberRow.user_id, GroupRow.id, GroupRow.name)
            .join(GroupRow, GroupRow.id == GroupMemberRow.group_id)
            .where(GroupMemberRow.user_id.in_(user_ids))
            .order_by(GroupRow.name, GroupRow.id)
        ):
            out[user_id].append((group_id, name))
    return out


def _doc(session: Session, row: UserRow, base: str) -> dict[str, Any]:
    return to_doc(row, _groups_of(session, [row.id])[row.id], base)


def _load(session: Session, workspace_id: str, user_id: str) -> UserRow:
    row = session.get(UserRow, user_id)
    if row is None or row.workspace_id != workspace_id or row.deleted_at is not None:
        raise not_found("User", user_id)
    return row


def _name_parts(doc: dict[str, Any]) -> tuple[str | None, ...]:
    display = text_or_none(get_ci(doc, "displayname"), "displayName")
    name = get_ci(doc, "name")
    if name is not None and not isinstance(name, dict):
        raise invalid_value("'name' must be an object.")
    name = name or {}
    formatted = text_or_none(get_ci(name, "formatted"), "name.formatted")
    given = text_or_none(get_ci(name, "givenname"), "name.givenName")
    family = text_or_none(get_ci(name, "familyname"), "name.familyName")
    return display, formatted, given, family


def _joined(given: str | None, family: str | None) -> str:
    return " ".join(part for part in (given, family) if part)


def _user_name(doc: dict[str, Any]) -> str:
    value = get_ci(doc, "username")
    if value is None:
        raise invalid_value("'userName' is required (the user's email).")
    email = text_or_none(value, "userName", max_length=320)
    if email is None or not _EMAIL.fullmatch(email):
        raise invalid_value("'userName' must be an email address (it is the Modelyard email).")
    return email.lower()


def fields_of(doc: Any, before: dict[str, Any] | None = None) -> Fields:
    """The row's fields from a full User (POST, PUT: ``before`` None) or from a patched one
    (the name follows whichever of displayName, name.formatted or givenName/familyName the
    patch changed)."""
    if not isinstance(doc, dict):
        raise ScimError(400, "The body must be a User object.", "invalidSyntax")
    display, formatted, given, family = _name_parts(doc)
    if before is None:
        name = display or formatted or _joined(given, family)
    else:
        old = _name_parts(before)
        if display != old[0]:
            name = display or ""
        elif formatted != old[1]:
            name = formatted or ""
        elif (given, family) != old[2:]:
            name = _joined(given, family)
        else:
            name = display or ""
    if len(name) > 200:
        raise invalid_value("The user's name is longer than 200 characters.")
    active = get_ci(doc, "active")
    return Fields(
        email=_user_name(doc),
        name=name,
        external_id=text_or_none(get_ci(doc, "externalid"), "externalId"),
        active=True if active is None else boolean(active, "active"),
    )


def _email_free(session: Session, workspace_id: str, email: str, own_id: str | None) -> None:
    taken = session.scalar(
        select(UserRow.id).where(UserRow.workspace_id == workspace_id, UserRow.email == email)
    )
    if taken is not None and taken != own_id:
        raise ScimError(409, f"The userName '{email}' is already taken.", "uniqueness")


def _set_active(session: Session, row: UserRow, active: bool) -> None:
    if active:
        user_lifecycle.reactivate(session, None, row, source="scim")
    else:
        user_lifecycle.deactivate(session, None, row, source="scim")


def create(
    session: Session, workspace_id: str, base: str, body: Any, request_id: str | None
) -> dict[str, Any]:
    fields = fields_of(body)
    row = session.scalar(
        select(UserRow).where(UserRow.workspace_id == workspace_id, UserRow.email == fields.email)
    )
    revived = row is not None
    if row is not None:
        if row.deleted_at is None:
            raise ScimError(409, f"The userName '{fields.email}' is already taken.", "uniqueness")
        # A deleted user comes back as a fresh member (see the module's docstring).
        user_lifecycle.revive(row)
    else:
        row = UserRow(
            id=new_id("usr"), workspace_id=workspace_id, email=fields.email, role="member"
        )
        session.add(row)
    row.name = fields.name
    row.external_id = fields.external_id
    session.flush()
    audit.record(
        session,
        None,
        "user.create",
        "user",
        row.id,
        workspace_id=workspace_id,
        source="scim",
        fields=["email", "name", "external_id"],
        role="member",
        revived=revived,
    )
    if not fields.active:
        _set_active(session, row, False)
    commit(session, request_id)
    return _doc(session, row, base)


def _update(
    session: Session, row: UserRow, fields: Fields, base: str, request_id: str | None
) -> dict[str, Any]:
    changed: list[str] = []
    if fields.email != row.email:
        _email_free(session, row.workspace_id, fields.email, row.id)
        row.email = fields.email
        changed.append("email")
    if fields.name != row.name:
        row.name = fields.name
        changed.append("name")
    if fields.external_id != row.external_id:
        row.external_id = fields.external_id
        changed.append("external_id")
    if changed:
        audit.record(
            session,
            None,
            "user.update",
            "user",
            row.id,
            workspace_id=row.workspace_id,
            source="scim",
            fields=changed,
        )
    if fields.active != (row.deactivated_at is None):
        _set_active(session, row, fields.active)
    commit(session, request_id)
    return _doc(session, row, base)


def replace(
    session: Session, workspace_id: str, base: str, user_id: str, body: Any, request_id: str | None
) -> dict[str, Any]:
    row = _load(session, workspace_id, user_id)
    return _update(session, row, fields_of(body), base, request_id)


def modify(
    session: Session, workspace_id: str, base: str, user_id: str, body: Any, request_id: str | None
) -> dict[str, Any]:
    row = _load(session, workspace_id, user_id)
    before = _doc(session, row, base)
    after = _doc(session, row, base)
    patch.apply(after, body, SHAPE)
    if get_ci(after, "active") is None:  # removing it changes nothing: it is required
        after["active"] = before["active"]
    return _update(session, row, fields_of(after, before), base, request_id)


def remove(session: Session, workspace_id: str, user_id: str, request_id: str | None) -> None:
    row = _load(session, workspace_id, user_id)
    user_lifecycle.delete(session, None, row, source="scim")
    commit(session, request_id)


def get(session: Session, workspace_id: str, base: str, user_id: str) -> dict[str, Any]:
    return _doc(session, _load(session, workspace_id, user_id), base)


def matching(session: Session, workspace_id: str, base: str, query: Query) -> list[dict[str, Any]]:
    """The users matching ``query.filter`` (all without one), oldest first."""
    node = filters.parse(query.filter, USER_SCHEMA) if query.filter is not None else None
    statement = select(UserRow).where(
        UserRow.workspace_id == workspace_id, UserRow.deleted_at.is_(None)
    )
    hint = filters.equality_hint(node, _HINTS) if node is not None else None
    if hint is not None:
        attr, value = hint
        if attr == "externalid":
            statement = statement.where(UserRow.external_id == value)
        elif attr == "id":
            statement = statement.where(UserRow.id == value)
        else:
            statement = statement.where(UserRow.email == value.strip().lower())
    rows = list(session.scalars(statement.order_by(UserRow.created_at, UserRow.id)))
    groups = _groups_of(session, [row.id for row in rows])
    docs = [to_doc(row, groups[row.id], base) for row in rows]
    if node is not None:
        docs = [doc for doc in docs if filters.matches(node, doc)]
    return docs


def search(session: Session, workspace_id: str, base: str, query: Query) -> dict[str, Any]:
    """One page of :func:`matching`, with the attributes asked for."""
    return page_of(matching(session, workspace_id, base, query), query, USER_SCHEMA, REQUEST_ONLY)
