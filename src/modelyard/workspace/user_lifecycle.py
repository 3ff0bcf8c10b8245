"""Deactivating, reactivating and deleting a user: what must happen at once, whoever asks.

An admin in the API or web UI and an identity provider through SCIM all end up here, so the
consequences are written once: a deactivated or deleted user loses every API key (revoked,
not just refused, so reactivation does not bring back keys that leaked meanwhile) and every web
session, in the caller's transaction. The audit row it adds bumps the workspace's
``config_version``, so every gateway replica drops its cached keys within its poll interval
(the replica that made the change at once). Deleting keeps the row, marked: usage history
keeps naming its user. No permission checks here: the callers make them.
"""

from __future__ import annotations

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from modelyard.errors import Conflict
from modelyard.storage.tables import ApiKeyRow, GroupMemberRow, UserRow
from modelyard.storage.types import utcnow
from modelyard.workspace import audit, budgets, web_sessions
from modelyard.workspace.actor import Actor


def _revoke_everything(session: Session, user: UserRow) -> int:
    """Revoke the user's live keys and end their sessions; the number of keys revoked."""
    result = session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.user_id == user.id, ApiKeyRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    web_sessions.end_all(session, user.id)
    return int(getattr(result, "rowcount", 0) or 0)


def _active_owner_count(session: Session, workspace_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(UserRow)
            .where(
                UserRow.workspace_id == workspace_id,
                UserRow.role == "owner",
                UserRow.deactivated_at.is_(None),
            )
        )
        or 0
    )


def _refuse_last_owner(session: Session, user: UserRow) -> None:
    if (
        user.role == "owner"
        and user.deactivated_at is None
        and _active_owner_count(session, user.workspace_id) <= 1
    ):
        raise Conflict(
            "The last active owner cannot be deactivated or deleted.",
            param="active",
            code="last_owner",
        )


def deactivate(session: Session, actor: Actor | None, user: UserRow, *, source: str) -> None:
    """The user can no longer sign in or call; nothing of theirs keeps working. Idempotent."""
    if user.deactivated_at is not None:
        return
    _refuse_last_owner(session, user)
    user.deactivated_at = utcnow()
    revoked = _revoke_everything(session, user)
    audit.record(
        session,
        actor,
        "user.deactivate",
        "user",
        user.id,
        workspace_id=user.workspace_id,
        fields=["active"],
        source=source,
        keys_revoked=revoked,
    )


def reactivate(session: Session, actor: Actor | None, user: UserRow, *, source: str) -> None:
    """The user may sign in again (their old keys stay revoked: they make new ones)."""
    if user.deactivated_at is None or user.deleted_at is not None:
        return
    user.deactivated_at = None
    audit.record(
        session,
        actor,
        "user.reactivate",
        "user",
        user.id,
        workspace_id=user.workspace_id,
        fields=["active"],
        source=source,
    )


def delete(session: Session, actor: Actor | None, user: UserRow, *, source: str) -> None:
    """Deactivate and mark deleted: gone from lists and SCIM, kept for usage history; their
    group memberships go (a group's members are the people in it now)."""
    if user.deleted_at is not None:
        return
    _refuse_last_owner(session, user)
    now = utcnow()
    if user.deactivated_at is None:
        user.deactivated_at = now
    user.deleted_at = now
    revoked = _revoke_everything(session, user)
    session.execute(sql_delete(GroupMemberRow).where(GroupMemberRow.user_id == user.id))
    key_ids = list(session.scalars(select(ApiKeyRow.id).where(ApiKeyRow.user_id == user.id)))
    budget_ids = budgets.delete_for_scope(session, user.workspace_id, "user", [user.id])
    budget_ids += budgets.delete_for_scope(session, user.workspace_id, "api_key", key_ids)
    audit.record(
        session,
        actor,
        "user.delete",
        "user",
        user.id,
        workspace_id=user.workspace_id,
        source=source,
        keys_revoked=revoked,
        budgets_deleted=budget_ids,
    )


def revive(user: UserRow) -> None:
    """A deleted user whose email is used again comes back as a fresh account on the same row
    (emails stay unique per workspace, and the usage history keeps its user): not deleted, not
    deactivated, a member without password, single sign-on link or default model. Their keys
    stay revoked and their groups and budgets are gone since the deletion."""
    user.deleted_at = None
    user.deactivated_at = None
    user.role = "member"
    user.password_hash = None
    user.oidc_subject = None
    user.external_id = None
    user.default_model_id = None
