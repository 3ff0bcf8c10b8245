"""Remember the catalog entries that became deprecated or were removed.

The active catalog forgets a removed entry, but the models that used it keep running on its
last known settings and still need a successor, which is found from the entry's provider, kind
and model line: so its last data is kept here. An entry that comes back (no longer deprecated,
or listed again) is forgotten. Called wherever a catalog is applied (refresh and by hand).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modelyard.catalog.schema import CatalogEntry
from modelyard.storage.tables import CatalogRetirementRow
from modelyard.storage.types import utcnow

if TYPE_CHECKING:
    from modelyard.catalog.schema import Catalog

__all__ = ["note_retirements", "retired_entries"]


def note_retirements(
    session: Session, old: Catalog, new: Catalog, update_id: str | None = None
) -> None:
    """Bring the retirement rows in line with ``new`` (replacing ``old``), in the caller's
    transaction."""
    rows = {row.catalog_id: row for row in session.scalars(select(CatalogRetirementRow))}
    now = utcnow()
    back = [
        catalog_id
        for catalog_id, row in rows.items()
        if (entry := new.get(catalog_id)) is not None and not entry.deprecated
    ]
    if back:
        session.execute(
            delete(CatalogRetirementRow).where(CatalogRetirementRow.catalog_id.in_(back))
        )
    for entry in new.entries:
        if entry.deprecated:
            row = rows.get(entry.id)
            if row is None or row.status != "deprecated":
                _upsert(session, row, entry, "deprecated", update_id)
            else:
                row.entry = _data(entry)
    for entry in old.entries:
        if new.get(entry.id) is None:
            row = rows.get(entry.id)
            if row is None or row.status != "removed":
                row = _upsert(session, row, entry, "removed", update_id)
                row.removed_at = now


def retired_entries(session: Session) -> dict[str, tuple[CatalogRetirementRow, CatalogEntry]]:
    """Every remembered entry by id, with its last data parsed."""
    return {
        row.catalog_id: (row, CatalogEntry.model_validate(row.entry))
        for row in session.scalars(select(CatalogRetirementRow))
    }


def _upsert(
    session: Session,
    row: CatalogRetirementRow | None,
    entry: CatalogEntry,
    status: str,
    update_id: str | None,
) -> CatalogRetirementRow:
    if row is None:
        row = CatalogRetirementRow(catalog_id=entry.id, entry=_data(entry))
        session.add(row)
    row.status = status
    row.entry = _data(entry)
    row.catalog_update_id = update_id
    if status == "deprecated" or entry.deprecated:
        row.deprecated_at = row.deprecated_at or utcnow()
    return row


def _data(entry: CatalogEntry) -> dict[str, object]:
    return entry.model_dump(mode="json")
