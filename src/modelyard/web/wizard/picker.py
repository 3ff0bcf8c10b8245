"""The catalog picker of the wizard's first step: search, a provider filter, the labs' own
models before the clouds that resell them, and a mark on the entries the workspace has added.

A catalog has well over a hundred completion models; a page of them in catalog order put Azure
first and the admin's model out of sight. Here a search or a provider narrows the list, the
first ``PAGE`` rows show, and "show all" lists the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelyard.catalog import CatalogEntry
from modelyard.catalog.schema import Catalog

PAGE = 25
# Labs first, in the order admins ask for them; resellers (Azure) after; any other one last.
PROVIDER_ORDER = ("openai", "anthropic", "google", "mistral", "xai", "deepseek", "azure")


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    q: str = ""
    provider: str = ""
    show_all: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    entry: CatalogEntry
    added: bool


@dataclass(frozen=True, slots=True)
class Listing:
    rows: list[Row]
    total: int  # matching entries, before paging
    providers: list[tuple[str, int]]  # (provider, entries of the kind): the filter's options
    more: bool  # rows beyond the page were left off


def _rank(provider: str) -> int:
    return PROVIDER_ORDER.index(provider) if provider in PROVIDER_ORDER else len(PROVIDER_ORDER)


def pick(catalog: Catalog, query: Query, added: set[str]) -> Listing:
    """The entries to show for ``query``; ``added`` are the catalog ids the workspace uses."""
    of_kind = [e for e in catalog.search(kind=query.kind) if not e.deprecated]
    counts: dict[str, int] = {}
    for entry in of_kind:
        counts[entry.provider] = counts.get(entry.provider, 0) + 1
    found = [e for e in catalog.search(kind=query.kind, q=query.q) if not e.deprecated]
    if query.provider:
        found = [e for e in found if e.provider == query.provider]
    found.sort(key=lambda e: _rank(e.provider))  # stable: catalog order within a provider
    shown = found if query.show_all else found[:PAGE]
    return Listing(
        rows=[Row(e, e.id in added) for e in shown],
        total=len(found),
        providers=sorted(counts.items(), key=lambda item: (_rank(item[0]), item[0])),
        more=len(shown) < len(found),
    )
