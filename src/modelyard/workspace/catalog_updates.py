"""The stored record of catalog refreshes, and what each one changed for a workspace.

The catalog is shared by every workspace; an admin sees every refresh (its diff of entries and
whether it failed, and why) but only their own workspace's models among those it touched.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.storage.tables import CatalogUpdateRow
from modelyard.workspace.actor import Actor

if TYPE_CHECKING:  # the differ loads only where a refresh runs (see ``modelyard.catalog``)
    from modelyard.catalog.diff import CatalogDiff

MAX_LISTED = 200


class TouchedModel(BaseModel):
    """A workspace model a refresh changed: ``fields`` maps a name to ``[old, new]``."""

    model_id: str
    slug: str
    catalog_id: str | None
    status: str  # changed, removed
    fields: dict[str, list[Any]] = {}


class CatalogUpdateOut(BaseModel):
    id: str
    created_at: datetime
    trigger: str
    status: str  # applied, unchanged, failed
    error: str | None = None
    source: str
    old_version: str | None = None
    new_version: str | None = None
    diff: dict[str, Any] | None = None
    touched_models: list[TouchedModel] = []


def diff_data(diff: CatalogDiff) -> dict[str, Any]:
    """The diff as stored: entry ids added, removed, deprecated; changed fields old and new."""
    deprecated = [e.id for e in diff.added if e.deprecated] + [
        c.id for c in diff.changed if c.fields.get("deprecated", (False, False))[1] is True
    ]
    return {
        "added": [e.id for e in diff.added],
        "changed": [
            {"id": c.id, "fields": {k: [_plain(o), _plain(n)] for k, (o, n) in c.fields.items()}}
            for c in diff.changed
        ],
        "removed": [e.id for e in diff.removed],
        "deprecated": sorted(deprecated),
    }


def list_updates(session: Session, actor: Actor, limit: int = 50) -> list[CatalogUpdateOut]:
    """Refreshes, newest first, with the caller's workspace models each one touched."""
    actor.require_admin()
    rows = session.scalars(
        select(CatalogUpdateRow)
        .order_by(CatalogUpdateRow.created_at.desc(), CatalogUpdateRow.id.desc())
        .limit(max(1, min(limit, MAX_LISTED)))
    ).all()
    return [to_out(row, actor.workspace_id) for row in rows]


def to_out(row: CatalogUpdateRow, workspace_id: str) -> CatalogUpdateOut:
    return CatalogUpdateOut(
        id=row.id,
        created_at=row.created_at,
        trigger=row.trigger,
        status=row.status,
        error=row.error,
        source=row.source,
        old_version=row.old_version,
        new_version=row.new_version,
        diff=row.diff,
        touched_models=[
            TouchedModel.model_validate(t)
            for t in row.touched or []
            if t.get("workspace_id") == workspace_id
        ],
    )


def _plain(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value
