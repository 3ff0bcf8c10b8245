"""Which catalog entry should replace a deprecated or removed one.

The rule, in order:

1. the entry's own ``successor`` (a source may name it; models.dev does not), followed while
   that one is itself deprecated and names a successor, if it is a current entry of the same
   kind;
2. otherwise the newest current (not deprecated) entry of the same provider, kind and model
   line (``family``: ``gpt``, ``claude-sonnet``, ``gemini-flash``), by release date, then id;
3. without a known line: the current entry of the same provider and kind whose model name
   shares the longest start with the old one (at least up to its first ``-``), newest first.

No suggestion is made across providers: a successor must run on the keys the models have.
"""

from __future__ import annotations

from itertools import takewhile
from typing import Literal, NamedTuple

from modelyard.catalog.schema import Catalog, CatalogEntry

__all__ = ["Successor", "suggest_successor"]


class Successor(NamedTuple):
    """The suggested entry and which rule found it (``named``, ``same_line``, ``similar_name``)."""

    entry: CatalogEntry
    reason: Literal["named", "same_line", "similar_name"]


_MAX_HOPS = 10


def suggest_successor(entry: CatalogEntry, catalog: Catalog) -> Successor | None:
    """The entry that should replace ``entry`` (which may be absent from ``catalog``), or None."""
    named = _named(entry, catalog)
    if named is not None:
        return Successor(named, "named")
    candidates = [
        e
        for e in catalog.entries
        if e.id != entry.id
        and not e.deprecated
        and e.provider == entry.provider
        and e.kind == entry.kind
    ]
    if entry.family:
        newest = max((e for e in candidates if e.family == entry.family), key=_newest, default=None)
        return Successor(newest, "same_line") if newest is not None else None
    stem = entry.provider_model_name.split("-", 1)[0] + "-"
    by_prefix = [e for e in candidates if e.provider_model_name.startswith(stem)]
    if not by_prefix:
        return None

    def shared(e: CatalogEntry) -> int:
        pairs = zip(e.provider_model_name, entry.provider_model_name, strict=False)
        return sum(1 for _ in takewhile(lambda pair: pair[0] == pair[1], pairs))

    return Successor(max(by_prefix, key=lambda e: (shared(e), *_newest(e))), "similar_name")


def _named(entry: CatalogEntry, catalog: Catalog) -> CatalogEntry | None:
    current = entry
    for _ in range(_MAX_HOPS):
        if not current.successor:
            return None
        found = catalog.get(current.successor)
        if found is None or found.kind != entry.kind or found.id == entry.id:
            return None
        if not found.deprecated:
            return found
        current = found
    return None


def _newest(entry: CatalogEntry) -> tuple[str, str]:
    return (entry.release_date or "", entry.id)
