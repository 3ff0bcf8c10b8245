"""The active catalog, stored in the database so that every replica reads the same one.

Pre-configured models mirror their catalog entry; applying a new catalog rewrites them and flags
those whose entry changed or disappeared (which keep their last known settings).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

# The package loads its parts on first use: ``ensure_stored``, run by every server as it starts,
# needs none of them once the catalog is stored (see ``modelyard.catalog``).
from modelyard import catalog as catalogs
from modelyard.storage.tables import CatalogRow, ModelRow
from modelyard.storage.types import utcnow
from modelyard.workspace import audit, price_history
from modelyard.workspace.model_rules import apply_catalog_entry

if TYPE_CHECKING:
    from modelyard.catalog import Catalog, CatalogDiff

_ROW_ID = 1


_parsed: dict[tuple[str, datetime], Catalog] = {}


def active_catalog(session: Session) -> Catalog:
    """The catalog in force: the stored one, or the bundled one before any update.

    The parsed catalog is cached by (version, stored-at), so a request costs one small query.
    """
    head = session.execute(
        select(CatalogRow.version, CatalogRow.updated_at).where(CatalogRow.id == _ROW_ID)
    ).first()
    if head is None:
        return catalogs.load_bundled()
    key = (head.version, head.updated_at)
    if key not in _parsed:
        row = session.get(CatalogRow, _ROW_ID)
        assert row is not None
        _parsed.clear()
        _parsed[key] = catalogs.parse_catalog(row.data)
    return _parsed[key]


def ensure_stored(session: Session) -> None:
    """Store the bundled catalog on first start so that later updates have a base to diff.
    Asks only whether the row is there: loading it would parse the whole stored catalog (its
    JSON, some 170 kB) in every starting server, for nothing."""
    if session.scalar(select(CatalogRow.id).where(CatalogRow.id == _ROW_ID)) is None:
        bundled = catalogs.load_bundled()
        session.add(CatalogRow(id=_ROW_ID, version=bundled.version, data=_as_data(bundled)))
        session.commit()


def apply_catalog(session: Session, new: Catalog) -> CatalogDiff:
    """Make ``new`` the active catalog and move every pre-configured model along with it."""
    diff, _ = apply_catalog_tracked(session, new)
    session.commit()
    return diff


def apply_catalog_tracked(
    session: Session, new: Catalog, update_id: str | None = None
) -> tuple[CatalogDiff, list[dict[str, Any]]]:
    """``apply_catalog`` without the commit, also saying which workspace models it touched
    (with the changed fields' old and new values) and writing their price history."""
    from modelyard.catalog.retirements import note_retirements  # where catalogs are applied

    old = active_catalog(session)
    diff = catalogs.diff_catalogs(old, new)
    note_retirements(session, old, new, update_id)
    row = session.get(CatalogRow, _ROW_ID)
    if row is None:
        session.add(CatalogRow(id=_ROW_ID, version=new.version, data=_as_data(new)))
    else:
        row.version = new.version
        row.data = _as_data(new)
        row.updated_at = utcnow()
    changes = {change.id: change for change in diff.changed}
    touched: list[dict[str, Any]] = []
    for model in session.scalars(select(ModelRow).where(ModelRow.catalog_id.is_not(None))):
        assert model.catalog_id is not None
        entry = new.get(model.catalog_id)
        if entry is None:
            if model.catalog_status != "removed":
                model.catalog_status = "removed"
                touched.append(_touched(model, "removed", {}))
                audit.record(
                    session,
                    None,
                    "catalog.entry_removed",
                    "model",
                    model.id,
                    workspace_id=model.workspace_id,
                    catalog_id=model.catalog_id,
                )
            continue
        before = price_history.prices_of(model)
        apply_catalog_entry(model, entry)
        price_history.record_change(session, model, before, "catalog", update_id)
        change = changes.get(model.catalog_id)
        if change is not None or model.catalog_status == "removed":
            model.catalog_status = "changed"
            touched.append(_touched(model, "changed", change.fields if change else {}))
            audit.record(
                session,
                None,
                "catalog.entry_changed",
                "model",
                model.id,
                workspace_id=model.workspace_id,
                catalog_id=model.catalog_id,
                version=new.version,
            )
    return diff, touched


def _touched(model: ModelRow, status: str, fields: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    return {
        "workspace_id": model.workspace_id,
        "model_id": model.id,
        "slug": model.slug,
        "catalog_id": model.catalog_id,
        "status": status,
        "fields": {name: [_plain(old), _plain(new)] for name, (old, new) in fields.items()},
    }


def _plain(value: Any) -> Any:
    """JSON-safe, exact: decimals as their text (``"2.5"``), never floats."""
    return format(value, "f") if isinstance(value, Decimal) else value


def _as_data(catalog: Catalog) -> dict[str, object]:
    data: dict[str, object] = orjson.loads(catalog.to_json_bytes())
    return data
