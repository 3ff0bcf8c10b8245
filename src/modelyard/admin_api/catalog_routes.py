"""``/api/catalog``: the pre-configured models admins pick from, and its refreshes."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from modelyard.admin_api.deps import AdminDep, ServicesDep, SessionDep
from modelyard.admin_api.openapi import errors
from modelyard.catalog import CatalogEntry
from modelyard.workspace.catalog_store import active_catalog
from modelyard.workspace.catalog_updates import CatalogUpdateOut, list_updates

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


@router.get("/updates", response_model=list[CatalogUpdateOut])
def catalog_updates(
    actor: AdminDep, session: SessionDep, limit: int = Query(50, ge=1, le=200)
) -> list[CatalogUpdateOut]:
    """Refreshes, newest first: the diff, failures with their reason, and this workspace's
    models each one touched (old and new values)."""
    return list_updates(session, actor, limit)


@router.post("/refresh", response_model=CatalogUpdateOut, responses=errors(409, 422))
def refresh_catalog(actor: AdminDep, services: ServicesDep) -> CatalogUpdateOut:
    """Refresh from ``MODELYARD_CATALOG_URL`` now (admins: the catalog is shared, read-only
    data; what it changes is each model's catalog-managed fields). A failed source is a 200
    with ``status: failed`` and the reason: the attempt is stored and listed like any. 409:
    a refresh is running (here or on another replica); 422: no ``MODELYARD_CATALOG_URL``."""
    from modelyard.catalog.refresh import refresh
    from modelyard.services import refresh_context

    actor.require_admin()
    outcome = refresh(
        refresh_context(services.settings, services.engine, services.sessions), actor=actor
    )
    assert outcome is not None  # only scheduled runs skip
    return outcome


@router.get("/{entry_id:path}", response_model=CatalogEntry)
def get_catalog_entry(entry_id: str, actor: AdminDep, session: SessionDep) -> CatalogEntry:
    from modelyard.errors import NotFound

    actor.require_admin()
    entry = active_catalog(session).get(entry_id)
    if entry is None:
        raise NotFound(f"No catalog entry '{entry_id}'.")
    return entry
