"""The catalog of pre-configured models admins pick from (see ``build`` for its sources)."""

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
