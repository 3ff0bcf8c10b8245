"""The catalog of pre-configured models admins pick from (see ``build`` for its sources).

The names below load their module on first use (PEP 562): the gateway needs only
:class:`Capabilities` (``catalog.schema``), and a ``serve`` worker that never builds, parses
or compares a catalog need not hold the builder, loader and differ (about 1 MiB).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelyard.catalog.build import (
        SideData,
        build_catalog,
        derive_version,
        detect_kind,
        side_data_from_files,
    )
    from modelyard.catalog.diff import CatalogDiff, EntryChange, diff_catalogs
    from modelyard.catalog.loader import (
        build_from_source_dir,
        load_bundled,
        parse_catalog,
        read_catalog_source,
        side_data_from_catalog,
    )
    from modelyard.catalog.schema import (
        CATALOG_FORMAT,
        KINDS,
        PROVIDERS,
        Capabilities,
        Catalog,
        CatalogEntry,
        CatalogFormatError,
        Kind,
    )

_MODULE_OF = {
    "SideData": "build",
    "build_catalog": "build",
    "derive_version": "build",
    "detect_kind": "build",
    "side_data_from_files": "build",
    "CatalogDiff": "diff",
    "EntryChange": "diff",
    "diff_catalogs": "diff",
    "build_from_source_dir": "loader",
    "load_bundled": "loader",
    "parse_catalog": "loader",
    "read_catalog_source": "loader",
    "side_data_from_catalog": "loader",
    "CATALOG_FORMAT": "schema",
    "KINDS": "schema",
    "PROVIDERS": "schema",
    "Capabilities": "schema",
    "Catalog": "schema",
    "CatalogEntry": "schema",
    "CatalogFormatError": "schema",
    "Kind": "schema",
}

__all__ = [
    "CATALOG_FORMAT",
    "KINDS",
    "PROVIDERS",
    "Capabilities",
    "Catalog",
    "CatalogDiff",
    "CatalogEntry",
    "CatalogFormatError",
    "EntryChange",
    "Kind",
    "SideData",
    "build_catalog",
    "build_from_source_dir",
    "derive_version",
    "detect_kind",
    "diff_catalogs",
    "load_bundled",
    "parse_catalog",
    "read_catalog_source",
    "side_data_from_catalog",
    "side_data_from_files",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])
