"""Personal API keys: random, shown once, stored as a hash, revocable, optionally scoped.

A key's scopes (``expires_at``, ``model_ids``) are checked here when it is issued, and by the
gateway from its in-memory cache on every call (``routing.config_store``, ``routing.access``).
Issuing and revoking are audited, which bumps the workspace's ``config_version``: every
replica drops its cached keys and sees the change on its next call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import InvalidInput, NotFound, Unauthenticated
from modelyard.security import hash_api_key, new_api_key
from modelyard.storage.tables import ApiKeyRow, ModelRow, UserRow
from modelyard.storage.types import utcnow
from modelyard.workspace import audit, ranks
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id
from modelyard.workspace.key_schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyOut, KeyModel
from modelyard.workspace.model_access import usable_by
from modelyard.workspace.users import load_user


def issue_key(
    session: Session,
    workspace_id: str,
    user_id: str,
    name: str,
    *,
    expires_at: datetime | None = None,
    model_ids: Sequence[str] | None = None,
) -> ApiKeyIssued:
    """Add a key row to the session and return the plain key (the only time it exists).
    The scopes must already be checked (:func:`check_scopes`)."""
    issued = new_api_key()
    row = ApiKeyRow(
        id=new_id("ak"),
        workspace_id=workspace_id,
        user_id=user_id,
        name=name,
        key_hash=issued.key_hash,
        prefix=issued.prefix,
        created_at=utcnow(),
        expires_at=expires_at,
        model_ids=list(model_ids) if model_ids is not None else None,
    )
    session.add(row)
    return ApiKeyIssued(**_out(row).model_dump(), key=issued.plain)


def _out(row: ApiKeyRow) -> ApiKeyOut:
    return ApiKeyOut.model_validate(row, from_attributes=True)


def check_scopes(session: Session, holder: UserRow, data: ApiKeyCreate, *, reveal: bool) -> None:
    """422 naming the field: an expiry not in the future, or a model that is no model of the
    workspace the holder may use (the gateway's access rule, asked of the stored models).
    ``reveal``: say that a model exists but is not the holder's (to an admin issuing for
    someone else); a member asking for a model they may not use hears it does not exist."""
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise InvalidInput(
            "'expires_at' must be in the future (ISO 8601; without a time zone it is UTC).",
            param="expires_at",
            code="expiry_in_past",
        )
    if data.model_ids is None:
        return
    rows = list(
        session.scalars(
            select(ModelRow).where(
                ModelRow.workspace_id == holder.workspace_id, ModelRow.id.in_(data.model_ids)
            )
        )
    )
    usable = {row.id for row in usable_by(session, holder.id, holder.role, rows)}
    known = {row.id for row in rows}
    for model_id in data.model_ids:
        if model_id in usable:
            continue
        if reveal and model_id in known:
            message = f"The user may not use the model '{model_id}' (hidden or not given to them)."
        else:
            message = f"No model with id '{model_id}' in this workspace."
        raise InvalidInput(message, param="model_ids", code="unknown_model")


def models_for_keys(session: Session, holder: UserRow) -> list[ModelRow]:
    """The models a key of this holder may be limited to (the ones :func:`check_scopes`
    accepts): the workspace's models they may use, by kind and name."""
    rows = session.scalars(
        select(ModelRow)
        .where(ModelRow.workspace_id == holder.workspace_id)
        .order_by(ModelRow.kind, ModelRow.display_name, ModelRow.slug)
    )
    return usable_by(session, holder.id, holder.role, list(rows))


def scope_choices(session: Session, actor: Actor, user_id: str) -> list[KeyModel]:
    """What a form issuing a key to ``user_id`` offers, for whoever may issue it."""
    holder = _holder(session, actor, user_id, "issue API keys")
    return [
        KeyModel.model_validate(row, from_attributes=True)
        for row in models_for_keys(session, holder)
    ]


def model_ids_of(session: Session, workspace_id: str, refs: Sequence[str]) -> list[str]:
    """Slugs or ids (as a person types them) as model ids; a reference that names no model of
    the workspace stays as it is, for :func:`check_scopes` to refuse in its own words."""
    wanted = [ref.strip() for ref in refs]
    by_slug = {
        slug: model_id
        for slug, model_id in session.execute(
            select(ModelRow.slug, ModelRow.id).where(
                ModelRow.workspace_id == workspace_id, ModelRow.slug.in_(wanted)
            )
        )
    }
    return [by_slug.get(ref, ref) for ref in wanted]


def scope_details(data: ApiKeyCreate) -> dict[str, Any]:
    """What the audit row says of a key's scopes: field names and values, never the secret."""
    return {
        "fields": sorted(data.model_fields_set),
        "name": data.name,
        "expires_at": data.expires_at.isoformat() if data.expires_at else None,
        "model_ids": data.model_ids,
    }


def _holder(session: Session, actor: Actor, user_id: str, what: str) -> UserRow:
    """The user whose keys ``actor`` means to touch: themselves, or (admins) a user up to their
    own rank."""
    if user_id != actor.user_id:
        actor.require_admin()
    user = load_user(session, actor, user_id)
    ranks.require_may_manage(actor, user.id, user.role, what=what)
    return user


def create_key(session: Session, actor: Actor, user_id: str, data: ApiKeyCreate) -> ApiKeyIssued:
    """Admins issue keys to users up to their own rank; members only to themselves."""
    user = _holder(session, actor, user_id, "issue API keys")
    check_scopes(session, user, data, reveal=user.id != actor.user_id)
    issued = issue_key(
        session,
        actor.workspace_id,
        user.id,
        data.name,
        expires_at=data.expires_at,
        model_ids=data.model_ids,
    )
    audit.record(
        session,
        actor,
        "api_key.create",
        "api_key",
        issued.id,
        user_id=user.id,
        **scope_details(data),
    )
    session.commit()
    return issued


def list_keys(session: Session, actor: Actor, user_id: str) -> list[ApiKeyOut]:
    return keys_of(session, _holder(session, actor, user_id, "list the API keys").id)


def keys_of(session: Session, user_id: str) -> list[ApiKeyOut]:
    """A user's keys, oldest first (no permission check: the CLI's and the services' own)."""
    rows = session.scalars(
        select(ApiKeyRow).where(ApiKeyRow.user_id == user_id).order_by(ApiKeyRow.created_at)
    )
    return [_out(row) for row in rows]


def revoke_key(session: Session, actor: Actor, key_id: str) -> None:
    row = session.get(ApiKeyRow, key_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(f"No API key with id '{key_id}' in this workspace.", param="key_id")
    if row.user_id != actor.user_id:
        actor.require_admin()
        holder = load_user(session, actor, row.user_id)
        ranks.require_may_manage(actor, holder.id, holder.role, what="revoke the API keys")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            actor,
            "api_key.revoke",
            "api_key",
            row.id,
            user_id=row.user_id,
            fields=["revoked_at"],
            name=row.name,
        )
        session.commit()


def authenticate(session: Session, plain: str) -> Actor:
    """The actor behind a bearer key; 401 for unknown or revoked keys (same message for both),
    and for expired ones (saying so, as the gateway does)."""
    found = session.execute(
        select(ApiKeyRow, UserRow)
        .join(UserRow, UserRow.id == ApiKeyRow.user_id)
        .where(ApiKeyRow.key_hash == hash_api_key(plain))
    ).first()
    if found is None or found[0].revoked_at is not None or found[1].deactivated_at is not None:
        raise Unauthenticated("Invalid API key.", code="invalid_api_key")
    key, user = found
    if key.expires_at is not None and key.expires_at <= utcnow():
        raise Unauthenticated("This API key has expired; create a new one.", code="expired_api_key")
    return Actor(user_id=user.id, workspace_id=user.workspace_id, role=user.role, email=user.email)
