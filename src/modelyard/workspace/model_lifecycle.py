"""Model lifecycle: pre-configured models whose catalog entry was deprecated or removed, and
the successor suggested for each (the move itself is ``model_migration``).

A retired entry never breaks a call by itself: the model keeps the last settings the catalog
gave it (prices, context window, capabilities). Deprecation is read from the active catalog;
a removal from the model's ``catalog_status``, with the entry's last data kept by
``catalog.retirements`` (so a successor can still be found for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.catalog.retirements import retired_entries
from modelyard.catalog.schema import Catalog, CatalogEntry
from modelyard.catalog.successors import Successor, suggest_successor
from modelyard.errors import NotFound
from modelyard.storage.tables import CatalogRetirementRow, ModelRow
from modelyard.workspace.actor import Actor
from modelyard.workspace.catalog_store import active_catalog
from modelyard.workspace.lifecycle_schemas import (
    LifecycleStatus,
    ModelBrief,
    RetiredModelOut,
    SuccessorOut,
)
from modelyard.workspace.model_dependents import dependents_of
from modelyard.workspace.models import load_row

__all__ = ["CatalogLifecycle", "brief", "retired_model", "retired_models", "workspace_models"]


def brief(row: ModelRow) -> ModelBrief:
    return ModelBrief(
        id=row.id,
        slug=row.slug,
        display_name=row.display_name,
        kind=row.kind,
        catalog_id=row.catalog_id,
    )


class CatalogLifecycle:
    """The active catalog and the remembered retired entries, read once per request."""

    def __init__(self, session: Session) -> None:
        self.catalog: Catalog = active_catalog(session)
        self.retired = retired_entries(session)

    def status(self, row: ModelRow) -> LifecycleStatus | None:
        if row.catalog_id is None:
            return None
        entry = self.catalog.get(row.catalog_id)
        if entry is None or row.catalog_status == "removed":
            return "removed"
        return "deprecated" if entry.deprecated else None

    def last_entry(self, row: ModelRow) -> CatalogEntry:
        """The model's entry as last known: the active catalog's, the remembered one, the
        bundled catalog's (entries removed before the lifecycle was kept), or the model's own
        settings."""
        assert row.catalog_id is not None
        found = self.catalog.get(row.catalog_id)
        if found is None and row.catalog_id in self.retired:
            found = self.retired[row.catalog_id][1]
        if found is None:
            from modelyard.catalog.loader import load_bundled

            found = load_bundled().get(row.catalog_id)
        if found is not None:
            return found
        return CatalogEntry(
            id=row.catalog_id,
            kind=row.kind,
            provider=row.provider,
            provider_model_name=row.provider_model_name,
            display_name=row.display_name,
        )

    def since(self, row: ModelRow, status: LifecycleStatus) -> datetime | None:
        remembered = self.retired.get(row.catalog_id or "")
        if remembered is None:
            return None
        retirement: CatalogRetirementRow = remembered[0]
        return retirement.removed_at if status == "removed" else retirement.deprecated_at

    def successor(self, row: ModelRow) -> Successor | None:
        return suggest_successor(self.last_entry(row), self.catalog)

    def models_of(self, entry_id: str, models: Sequence[ModelRow]) -> list[ModelRow]:
        """Those of ``models`` set up from the (current) entry, visible ones first."""
        using = [m for m in models if m.catalog_id == entry_id and self.status(m) is None]
        return sorted(using, key=lambda m: (not m.visible, m.slug))


def workspace_models(session: Session, workspace_id: str) -> list[ModelRow]:
    return list(
        session.scalars(
            select(ModelRow).where(ModelRow.workspace_id == workspace_id).order_by(ModelRow.slug)
        )
    )


def _retired_out(
    session: Session,
    actor: Actor,
    row: ModelRow,
    status: LifecycleStatus,
    lifecycle: CatalogLifecycle,
    models: Sequence[ModelRow],
) -> RetiredModelOut:
    successor = None
    suggestion = lifecycle.successor(row)
    if suggestion is not None:
        entry, reason = suggestion
        using = lifecycle.models_of(entry.id, models)
        successor = SuccessorOut(
            catalog_id=entry.id,
            display_name=entry.display_name,
            release_date=entry.release_date,
            reason=reason,
            models=[brief(m) for m in using],
        )
    dependents = dependents_of(session, actor, row.id)
    return RetiredModelOut(
        model=brief(row),
        status=status,
        since=lifecycle.since(row, status),
        successor=successor,
        dependents=dependents,
    )


def retired_models(session: Session, actor: Actor) -> list[RetiredModelOut]:
    """The workspace's pre-configured models whose entry is deprecated or removed, by slug."""
    actor.require_admin()
    lifecycle = CatalogLifecycle(session)
    models = workspace_models(session, actor.workspace_id)
    out = []
    for row in models:
        status = lifecycle.status(row)
        if status is not None:
            out.append(_retired_out(session, actor, row, status, lifecycle, models))
    return out


def retired_model(session: Session, actor: Actor, model_id: str) -> RetiredModelOut:
    """One model's lifecycle view; 404 when its entry is neither deprecated nor removed."""
    actor.require_admin()
    row = load_row(session, actor, model_id)
    lifecycle = CatalogLifecycle(session)
    status = lifecycle.status(row)
    if status is None:
        raise NotFound(
            f"Model '{row.slug}' is not set up from a deprecated or removed catalog entry.",
            param="model_id",
            code="not_retired",
        )
    return _retired_out(
        session, actor, row, status, lifecycle, workspace_models(session, actor.workspace_id)
    )
