"""Invites: a one-time link with which a user chooses their own password.

An admin invites someone (a new user without a password, in the groups picked), or issues a new
link for an existing user (a password reset). The link is the only credential: it is shown once
(or mailed, ``invite_mail``), only its SHA-256 is stored (it is 256 random bits, so nothing to
brute-force, as with API keys), it expires after ``LIFETIME``, works once, and a newer link of
the same user replaces it. Using it sets the password through the domain's password rule and
ends every older web session of the user. The rank rule holds: only owners invite owners or
issue links for them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from modelyard.errors import Conflict, Forbidden, ModelyardError, NotFound
from modelyard.security import hash_password, validate_password
from modelyard.storage.tables import (
    AuditRow,
    GroupMemberRow,
    InviteRow,
    UserRow,
    WorkspaceRow,
)
from modelyard.storage.types import utcnow
from modelyard.workspace import audit, model_access, ranks, users, web_sessions
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id
from modelyard.workspace.invite_mail import Mailer, MailFailed, invite_message
from modelyard.workspace.schemas import Email, Input, Language, Role, UserCreate, UserOut

log = logging.getLogger(__name__)

LIFETIME = timedelta(days=7)
PATH = "/invite/"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


class InviteGone(ModelyardError):
    """410: the link existed but can no longer be used (used, expired, replaced, deactivated)."""

    status = 410
    type = "invalid_request_error"


class InviteCreate(Input):
    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    role: Role = "member"
    group_ids: list[str] = Field(default_factory=list, max_length=200)
    language: Language = "en"


class InviteOut(BaseModel):
    user: UserOut
    invite_url: str
    expires_at: datetime
    emailed: bool = False
    # Why the mail could not be sent (the link still works: pass it on yourself).
    mail_error: str | None = None


@dataclass(frozen=True, slots=True)
class OpenInvite:
    """What the invite page shows about a usable link."""

    invite_id: str
    user: UserRow
    workspace_name: str
    expires_at: datetime
    # True: the user had a password already (a reset link), False: a first invite.
    reset: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + PATH + token


def _new_link(session: Session, user: UserRow, created_by: str | None) -> tuple[str, datetime]:
    """A fresh token for ``user``; their unused older links stop working."""
    session.execute(
        delete(InviteRow).where(InviteRow.user_id == user.id, InviteRow.used_at.is_(None))
    )
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = InviteRow(
        id=new_id("inv"),
        workspace_id=user.workspace_id,
        user_id=user.id,
        token_hash=hash_token(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(row)
    return token, row.expires_at


def create_invited(
    session: Session, workspace_id: str, data: InviteCreate, actor: Actor | None, *, source: str
) -> tuple[UserRow, str, datetime]:
    """The new user (no password), in their groups, and their link; no permission checks
    (``invite`` makes them; the CLI is the operator). In the caller's transaction."""
    group_ids = model_access.check_groups(session, workspace_id, data.group_ids, "group_ids")
    fields = {"email": data.email, "name": data.name, "role": data.role, "language": data.language}
    row = users.add_user(session, workspace_id, UserCreate.model_validate(fields))
    session.flush()
    session.add_all(GroupMemberRow(group_id=group_id, user_id=row.id) for group_id in group_ids)
    token, expires_at = _new_link(session, row, actor.user_id if actor else None)
    audit.record(
        session,
        actor,
        "user.invite",
        "user",
        row.id,
        workspace_id=workspace_id,
        role=row.role,
        group_ids=group_ids,
        source=source,
    )
    return row, token, expires_at


def invite(
    session: Session,
    actor: Actor,
    data: InviteCreate,
    base_url: str,
    mailer: Mailer | None = None,
) -> InviteOut:
    """Admins invite members and admins, owners anyone; mailed when ``mailer`` is given."""
    actor.require_admin()
    if ranks.rank(data.role) > ranks.rank(actor.role):
        raise Forbidden("Only an owner can invite an owner.", param="role", code="owner_required")
    row, token, expires_at = create_invited(
        session, actor.workspace_id, data, actor, source="admin"
    )
    session.commit()
    return invite_out(session, row, invite_url(base_url, token), expires_at, mailer, reset=False)


def issue_link(
    session: Session, actor: Actor, user_id: str, base_url: str, mailer: Mailer | None = None
) -> InviteOut:
    """A new one-time link for an existing user (a reset when they have a password); the
    user's older unused links stop working."""
    actor.require_admin()
    row = users.load_user(session, actor, user_id)
    ranks.require_may_manage(actor, row.id, row.role, what="issue a sign-in link for the account")
    token, expires_at = link_for(session, row, actor)
    audit.record(session, actor, "user.invite_link", "user", row.id, source="admin")
    session.commit()
    reset = row.password_hash is not None
    return invite_out(session, row, invite_url(base_url, token), expires_at, mailer, reset=reset)


def link_for(session: Session, user: UserRow, actor: Actor | None) -> tuple[str, datetime]:
    """A new link for ``user``, refused while they are deactivated (no checks of rank)."""
    if user.deactivated_at is not None:
        raise Conflict(
            f"'{user.email}' is deactivated: reactivate the account before issuing a link.",
            param="user_id",
            code="user_deactivated",
        )
    return _new_link(session, user, actor.user_id if actor else None)


def invite_out(
    session: Session,
    row: UserRow,
    url: str,
    expires_at: datetime,
    mailer: Mailer | None,
    *,
    reset: bool,
) -> InviteOut:
    """What the admin sees of a committed link; mailed first when ``mailer`` is given (a
    failed mail is reported in ``mail_error``: the link works anyway)."""
    out = InviteOut(user=users.user_out(session, row), invite_url=url, expires_at=expires_at)
    if mailer is None:
        return out
    workspace = session.get(WorkspaceRow, row.workspace_id)
    message = invite_message(
        sender=mailer.sender,
        to=row.email,
        url=url,
        expires_at=expires_at,
        workspace_name=workspace.name if workspace else "Modelyard",
        language=row.language,
        reset=reset,
    )
    try:
        mailer.send(message)
    except MailFailed as exc:
        log.warning("invite mail to user %s not sent: %s", row.id, exc)
        return out.model_copy(update={"mail_error": str(exc)})
    return out.model_copy(update={"emailed": True})


def open_invite(session: Session, token: str) -> OpenInvite:
    """The usable invite behind ``token``: 404 when it never existed (or was replaced), 410
    when it was used, has expired, or its user is deactivated."""
    invite_row = None
    if _TOKEN_RE.fullmatch(token):
        invite_row = session.scalar(
            select(InviteRow).where(InviteRow.token_hash == hash_token(token))
        )
    user = session.get(UserRow, invite_row.user_id) if invite_row else None
    if invite_row is None or user is None or user.deleted_at is not None:
        raise NotFound(
            "This link is not valid. It may have been replaced by a newer one; ask a workspace "
            "admin for a new link.",
            param="token",
            code="unknown_invite",
        )
    if invite_row.used_at is not None:
        raise InviteGone(
            "This link was already used. Sign in with your password, or ask a workspace admin "
            "for a new link.",
            param="token",
            code="invite_used",
        )
    if invite_row.expires_at <= utcnow():
        raise InviteGone(
            "This link has expired. Ask a workspace admin for a new one.",
            param="token",
            code="invite_expired",
        )
    if user.deactivated_at is not None or _deactivated_since(session, user.id, invite_row):
        # A link is a credential like a key: a deactivation voids it for good, so a link that
        # leaked meanwhile does not come back to life with a reactivation.
        raise InviteGone(
            "This account is deactivated, or was since this link was issued. Ask a workspace "
            "admin.",
            param="token",
            code="user_deactivated",
        )
    workspace = session.get(WorkspaceRow, user.workspace_id)
    return OpenInvite(
        invite_id=invite_row.id,
        user=user,
        workspace_name=workspace.name if workspace else "",
        expires_at=invite_row.expires_at,
        reset=user.password_hash is not None,
    )


def _deactivated_since(session: Session, user_id: str, invite_row: InviteRow) -> bool:
    """Whether the user was deactivated (by anyone: an admin, SCIM, the CLI) after the link
    was issued: the audit row every deactivation writes in its own transaction says so."""
    found = session.scalar(
        select(AuditRow.id)
        .where(
            AuditRow.workspace_id == invite_row.workspace_id,
            AuditRow.target_type == "user",
            AuditRow.target_id == user_id,
            AuditRow.action.in_(("user.deactivate", "user.delete")),
            AuditRow.at >= invite_row.created_at,
        )
        .limit(1)
    )
    return found is not None


def accept(session: Session, token: str, password: str, request_id: str | None = None) -> str:
    """Set the password chosen on the link's page and use the link up; the user's id. Every
    older web session of the user ends. Two concurrent uses: one wins, the other is a 410."""
    found = open_invite(session, token)
    validate_password(password)
    password_hash = hash_password(password)
    now = utcnow()
    result = session.execute(
        update(InviteRow)
        .where(
            InviteRow.id == found.invite_id,
            InviteRow.used_at.is_(None),
            InviteRow.expires_at > now,
        )
        .values(used_at=now)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        session.rollback()
        raise InviteGone("This link was already used.", param="token", code="invite_used")
    user = found.user
    user.password_hash = password_hash
    web_sessions.end_all(session, user.id)
    actor = Actor(
        user_id=user.id,
        workspace_id=user.workspace_id,
        role=user.role,
        email=user.email,
        request_id=request_id,
    )
    audit.record(
        session,
        actor,
        "user.invite_accept",
        "user",
        user.id,
        fields=["password"],
        reset=found.reset,
    )
    session.commit()
    return user.id
