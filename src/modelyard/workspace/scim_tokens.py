"""SCIM tokens: the bearer tokens an identity provider provisions a workspace with.

Owners issue them (the plain token is shown once; only its SHA-256 and a prefix are kept, as
for API keys) and revoke them. ``/scim/v2`` reads the token's row on every request instead of
caching it: SCIM is not the gateway's hot path, and so a revoked token is refused at once on
every replica.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from modelyard.errors import Forbidden, NotFound
from modelyard.storage.tables import ScimTokenRow
from modelyard.storage.types import utcnow
from modelyard.workspace import audit
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id

TOKEN_PREFIX = "scim-"
PREFIX_LENGTH = 12
_TOKEN_RE = re.compile(rf"{re.escape(TOKEN_PREFIX)}[A-Za-z0-9_-]{{43}}")
# ``last_used_at`` is written at most this often per token (one write a minute, not a request).
_LAST_USED_STEP = timedelta(minutes=1)


class ScimTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()


class ScimTokenOut(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ScimTokenIssued(ScimTokenOut):
    # The plain token: in this one answer only.
    token: str


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def _require_owner(actor: Actor) -> None:
    if actor.role != "owner":
        raise Forbidden("Only an owner can manage SCIM tokens.", code="owner_required")


def _out(row: ScimTokenRow) -> ScimTokenOut:
    return ScimTokenOut.model_validate(row, from_attributes=True)


def create_token(session: Session, actor: Actor, data: ScimTokenCreate) -> ScimTokenIssued:
    _require_owner(actor)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ScimTokenRow(
        id=new_id("scim"),
        workspace_id=actor.workspace_id,
        name=data.name,
        token_hash=hash_token(plain),
        prefix=plain[:PREFIX_LENGTH],
        created_at=utcnow(),
    )
    session.add(row)
    audit.record(session, actor, "scim_token.create", "scim_token", row.id, fields=["name"])
    session.commit()
    return ScimTokenIssued(**_out(row).model_dump(), token=plain)


def list_tokens(session: Session, actor: Actor) -> list[ScimTokenOut]:
    """The workspace's live tokens (revoked ones are gone), oldest first."""
    _require_owner(actor)
    rows = session.scalars(
        select(ScimTokenRow)
        .where(ScimTokenRow.workspace_id == actor.workspace_id, ScimTokenRow.revoked_at.is_(None))
        .order_by(ScimTokenRow.created_at, ScimTokenRow.id)
    )
    return [_out(row) for row in rows]


def revoke_token(session: Session, actor: Actor, token_id: str) -> None:
    _require_owner(actor)
    row = session.get(ScimTokenRow, token_id)
    if row is None or row.workspace_id != actor.workspace_id or row.revoked_at is not None:
        raise NotFound(f"No SCIM token with id '{token_id}'.", param="token_id")
    row.revoked_at = utcnow()
    audit.record(session, actor, "scim_token.revoke", "scim_token", row.id)
    session.commit()


def workspace_of(session: Session, plain: str) -> str | None:
    """The workspace a live token provisions, or None (unknown, malformed or revoked)."""
    if _TOKEN_RE.fullmatch(plain) is None:
        return None
    row = session.scalar(select(ScimTokenRow).where(ScimTokenRow.token_hash == hash_token(plain)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_STEP:
        session.execute(
            update(ScimTokenRow).where(ScimTokenRow.id == row.id).values(last_used_at=now)
        )
        session.commit()
    return row.workspace_id
