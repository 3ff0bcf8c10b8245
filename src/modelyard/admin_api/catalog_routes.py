"""``/api/catalog``: the pre-configured models admins pick from."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from modelyard.admin_api.deps import AdminDep, SessionDep
from modelyard.catalog import CatalogEntry
from modelyard.workspace.catalog_store import active_catalog

router = APIRouter(prefix="/api/catalog", tags=["catalog"])


@router.get("", response_model=list[CatalogEntry])
def list_catalog(
    actor: AdminDep,
    session: SessionDep,
    kind: Literal["completion", "image", "embedding"] | None = None,
    q: str | None = None,
    include_deprecated: bool = False,
) -> list[CatalogEntry]:
    actor.require_admin()
    entries = active_catalog(session).search(kind=kind, q=q)
    return [e for e in entries if include_deprecated or not e.deprecated]


@router.get("/{entry_id:path}", response_model=CatalogEntry)
def get_catalog_entry(entry_id: str, actor: AdminDep, session: SessionDep) -> CatalogEntry:
    from modelyard.errors import NotFound

    actor.require_admin()
    entry = active_catalog(session).get(entry_id)
    if entry is None:
        raise NotFound(f"No catalog entry '{entry_id}'.")
    return entry
