"""Who a verified ID token signs in: found by subject, linked by email, or created just in time.

- Later sign-ins find the user by ``users.oidc_subject`` ("<issuer>|<sub>"); their name and
  email stay as they are (SCIM or an admin changes those), only the groups follow the token.
- The first sign-in of a subject links the oldest account with the token's email (the owner
  made by ``init``, an invited user, one made by SCIM), in whatever workspace it is, unless
  that account is already linked to another subject. Linking trusts the identity provider
  for the email, so a token whose ``email_verified`` is false signs no one in (absent counts
  as verified: Entra ID sends no such claim and only verified addresses).
- Otherwise a member is created in the oldest workspace (a deployment configures one issuer,
  so it is one organisation; ``init`` made its first workspace), without a password.
- Deactivated or deleted users are refused; so are emails outside ``oidc_allowed_domains``.
- With the groups claim present, the user's groups become the workspace's groups whose name
  (ignoring case) or SCIM ``externalId`` is one of its values; other values are ignored, and
  a token without the claim leaves the groups as they are.

Every change is audited with the user as actor (which bumps ``config_version``, so model
access follows on every replica).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from modelyard.sso.errors import SsoRefused
from modelyard.storage.tables import GroupMemberRow, GroupRow, UserRow, WorkspaceRow
from modelyard.workspace import audit, users
from modelyard.workspace.actor import Actor
from modelyard.workspace.schemas import UserCreate

MAX_GROUP_VALUES = 1000


@dataclass(frozen=True, slots=True)
class Identity:
    """What Modelyard takes from an ID token."""

    subject: str  # "<issuer>|<sub>"
    email: str  # lower-cased
    name: str
    email_verified: bool | None
    groups: tuple[str, ...] | None  # None: the token has no groups claim


def _name(claims: dict[str, Any]) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    return name.strip()[:200]


def _groups(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(item for item in values[:MAX_GROUP_VALUES] if isinstance(item, str))


def identity_from(claims: dict[str, Any], issuer: str, groups_claim: str) -> Identity:
    """The identity in verified ``claims``; a token without a usable email is refused."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SsoRefused("missing_email", "the ID token has no email claim")
    verified = claims.get("email_verified")
    return Identity(
        subject=f"{issuer}|{claims['sub']}",
        email=email.strip().lower(),
        name=_name(claims),
        email_verified=verified if isinstance(verified, bool) else None,
        groups=_groups(claims.get(groups_claim)),
    )


def check_domain(email: str, allowed: Sequence[str]) -> None:
    """Refuse an email whose domain is not allowed (any domain when none are configured)."""
    domains = {domain.strip().lstrip("@").lower() for domain in allowed if domain.strip()}
    domain = email.rsplit("@", 1)[-1]
    if domains and domain not in domains:
        raise SsoRefused("wrong_domain", f"email domain {domain}", domain)


def _refuse_inactive(row: UserRow) -> None:
    if row.deleted_at is not None:
        raise SsoRefused("deleted", f"user {row.id} is deleted")
    if row.deactivated_at is not None:
        raise SsoRefused("deactivated", f"user {row.id} is deactivated")


def _oldest_workspace(db: Session) -> str:
    found = db.scalar(select(WorkspaceRow.id).order_by(WorkspaceRow.created_at, WorkspaceRow.id))
    if found is None:
        raise SsoRefused("no_workspace", "no workspace yet (modelyard init)")
    return found


def _create(db: Session, identity: Identity) -> UserRow:
    try:
        data = UserCreate(email=identity.email, name=identity.name, role="member")
    except ValidationError:
        raise SsoRefused("missing_email", "the email claim is not an email address") from None
    row = users.add_user(db, _oldest_workspace(db), data)
    row.oidc_subject = identity.subject
    db.flush()
    return row


def _find_or_create(db: Session, identity: Identity) -> tuple[UserRow, str | None]:
    """The user to sign in, and what was done to find them ("created", "linked" or None)."""
    by_subject = db.scalars(
        select(UserRow)
        .where(UserRow.oidc_subject == identity.subject)
        .order_by(UserRow.created_at, UserRow.id)
    ).first()
    if by_subject is not None:
        _refuse_inactive(by_subject)
        return by_subject, None
    by_email = db.scalars(
        select(UserRow)
        .where(func.lower(UserRow.email) == identity.email)
        .order_by(UserRow.created_at, UserRow.id)
    ).first()
    if by_email is None:
        return _create(db, identity), "created"
    _refuse_inactive(by_email)
    if by_email.oidc_subject is not None:
        raise SsoRefused("linked_elsewhere", f"user {by_email.id} has another subject")
    by_email.oidc_subject = identity.subject
    return by_email, "linked"


def set_groups(db: Session, user: UserRow, values: Sequence[str]) -> tuple[list[str], list[str]]:
    """Make the user's groups those the claim's values name; (added, removed) group ids."""
    lowered = {value.lower() for value in values}
    wanted = (
        set(
            db.scalars(
                select(GroupRow.id).where(
                    GroupRow.workspace_id == user.workspace_id,
                    or_(func.lower(GroupRow.name).in_(lowered), GroupRow.external_id.in_(values)),
                )
            )
        )
        if values
        else set()
    )
    current = set(
        db.scalars(select(GroupMemberRow.group_id).where(GroupMemberRow.user_id == user.id))
    )
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if removed:
        db.execute(
            delete(GroupMemberRow).where(
                GroupMemberRow.user_id == user.id, GroupMemberRow.group_id.in_(removed)
            )
        )
    db.add_all(GroupMemberRow(group_id=group_id, user_id=user.id) for group_id in added)
    return added, removed


def sign_in(
    db: Session, identity: Identity, allowed_domains: Sequence[str], request_id: str | None
) -> str:
    """The id of the user ``identity`` signs in (found, linked or created; groups set),
    committed with its audit rows; SsoRefused when they may not sign in."""
    check_domain(identity.email, allowed_domains)
    if identity.email_verified is False:
        raise SsoRefused("email_unverified", "email_verified is false")
    user, how = _find_or_create(db, identity)
    actor = Actor(user.id, user.workspace_id, user.role, user.email, request_id)
    if how == "created":
        fields = ["email", "name", "oidc_subject", "role"]
        audit.record(db, actor, "user.sso_create", "user", user.id, fields=fields)
    elif how == "linked":
        audit.record(db, actor, "user.sso_link", "user", user.id, fields=["oidc_subject"])
    if identity.groups is not None:
        added, removed = set_groups(db, user, identity.groups)
        if added or removed:
            audit.record(
                db,
                actor,
                "user.sso_groups",
                "user",
                user.id,
                fields=["group_ids"],
                added=added,
                removed=removed,
            )
    audit.record(db, actor, "user.sso_sign_in", "user", user.id)
    db.commit()
    return user.id
