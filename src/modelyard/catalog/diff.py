"""Compare two catalogs, so an admin sees what ``catalog update`` would change before it does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from modelyard.catalog.schema import Capabilities, Catalog, CatalogEntry

__all__ = ["CatalogDiff", "EntryChange", "diff_catalogs"]

# Facts about an entry's place in its model line, not settings a model takes from it: a change
# there (or their first appearance in a stored catalog) touches no model. The lifecycle reads
# them from the active catalog (``catalog.successors``).
_LINEAGE = frozenset({"family", "successor"})


class EntryChange(BaseModel):
    """Fields of one entry that differ: ``field -> (old, new)``.

    Capabilities are compared flag by flag (``"capabilities.tools"``) so the change says which
    feature appears or disappears, not just that the block differs.
    """

    id: str
    fields: dict[str, tuple[Any, Any]]


class CatalogDiff(BaseModel):
    """Entries added, changed and removed between two catalog versions (each sorted by id)."""

    old_version: str
    new_version: str
    added: list[CatalogEntry] = []
    changed: list[EntryChange] = []
    removed: list[CatalogEntry] = []

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def render(self) -> str:
        """Human-readable lines (``+`` added, ``~`` changed, ``-`` removed) and a summary."""
        lines = [f"catalog {self.old_version} -> {self.new_version}"]
        lines += [f"+ {entry.id} ({entry.kind})" for entry in self.added]
        for change in self.changed:
            parts = [
                f"{name} {_show(old)} -> {_show(new)}" for name, (old, new) in change.fields.items()
            ]
            lines.append(f"~ {change.id}: {', '.join(parts)}")
        lines += [f"- {entry.id} ({entry.kind})" for entry in self.removed]
        lines.append(
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"
        )
        return "\n".join(lines)


def diff_catalogs(old: Catalog, new: Catalog) -> CatalogDiff:
    """What changes when ``old`` is replaced by ``new``, matching entries by id."""
    old_by_id = {entry.id: entry for entry in old.entries}
    new_by_id = {entry.id: entry for entry in new.entries}
    changed = []
    for entry_id in sorted(old_by_id.keys() & new_by_id.keys()):
        fields = _changed_fields(old_by_id[entry_id], new_by_id[entry_id])
        if fields:
            changed.append(EntryChange(id=entry_id, fields=fields))
    return CatalogDiff(
        old_version=old.version,
        new_version=new.version,
        added=[new_by_id[i] for i in sorted(new_by_id.keys() - old_by_id.keys())],
        changed=changed,
        removed=[old_by_id[i] for i in sorted(old_by_id.keys() - new_by_id.keys())],
    )


def _changed_fields(old: CatalogEntry, new: CatalogEntry) -> dict[str, tuple[Any, Any]]:
    # Decimals compare by value, so "2.0" -> "2" is not reported as a price change.
    fields: dict[str, tuple[Any, Any]] = {}
    for name in CatalogEntry.model_fields:
        if name == "id" or name in _LINEAGE:
            continue
        if name == "capabilities":
            for flag in Capabilities.model_fields:
                before = getattr(old.capabilities, flag)
                after = getattr(new.capabilities, flag)
                if before != after:
                    fields[f"capabilities.{flag}"] = (before, after)
            continue
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            fields[name] = (before, after)
    return fields


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
