"""Personal API keys: random, shown once, stored as a hash, revocable."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import NotFound, Unauthenticated
from modelyard.security import hash_api_key, new_api_key
from modelyard.storage.tables import ApiKeyRow, UserRow
from modelyard.storage.types import utcnow
from modelyard.workspace import audit, ranks
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id
from modelyard.workspace.schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyOut
from modelyard.workspace.users import load_user


def issue_key(session: Session, workspace_id: str, user_id: str, name: str) -> ApiKeyIssued:
    """Add a key row to the session and return the plain key (the only time it exists)."""
    issued = new_api_key()
    row = ApiKeyRow(
        id=new_id("ak"),
        workspace_id=workspace_id,
        user_id=user_id,
        name=name,
        key_hash=issued.key_hash,
        prefix=issued.prefix,
        created_at=utcnow(),
    )
    session.add(row)
    return ApiKeyIssued(**_out(row).model_dump(), key=issued.plain)


def _out(row: ApiKeyRow) -> ApiKeyOut:
    return ApiKeyOut.model_validate(row, from_attributes=True)


def create_key(session: Session, actor: Actor, user_id: str, data: ApiKeyCreate) -> ApiKeyIssued:
    """Admins issue keys to users up to their own rank; members only to themselves."""
    if user_id != actor.user_id:
        actor.require_admin()
    user = load_user(session, actor, user_id)
    ranks.require_may_manage(actor, user.id, user.role, what="issue API keys")
    issued = issue_key(session, actor.workspace_id, user.id, data.name)
    audit.record(session, actor, "api_key.create", "api_key", issued.id, user_id=user.id)
    session.commit()
    return issued


def list_keys(session: Session, actor: Actor, user_id: str) -> list[ApiKeyOut]:
    if user_id != actor.user_id:
        actor.require_admin()
    user = load_user(session, actor, user_id)
    ranks.require_may_manage(actor, user.id, user.role, what="list the API keys")
    rows = session.scalars(
        select(ApiKeyRow).where(ApiKeyRow.user_id == user.id).order_by(ApiKeyRow.created_at)
    )
    return [_out(row) for row in rows]


def revoke_key(session: Session, actor: Actor, key_id: str) -> None:
    row = session.get(ApiKeyRow, key_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(f"No API key with id '{key_id}' in this workspace.")
    if row.user_id != actor.user_id:
        actor.require_admin()
        holder = load_user(session, actor, row.user_id)
        ranks.require_may_manage(actor, holder.id, holder.role, what="revoke the API keys")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, actor, "api_key.revoke", "api_key", row.id, user_id=row.user_id)
        session.commit()


def authenticate(session: Session, plain: str) -> Actor:
    """The actor behind a bearer key; 401 for unknown or revoked keys (same message for both)."""
    found = session.execute(
        select(ApiKeyRow, UserRow)
        .join(UserRow, UserRow.id == ApiKeyRow.user_id)
        .where(ApiKeyRow.key_hash == hash_api_key(plain))
    ).first()
    if found is None or found[0].revoked_at is not None:
        raise Unauthenticated("Invalid API key.", code="invalid_api_key")
    _key, user = found
    return Actor(user_id=user.id, workspace_id=user.workspace_id, role=user.role, email=user.email)
