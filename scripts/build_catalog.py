"""Regenerate the bundled catalog from the catalog-source snapshot.

Usage: python scripts/build_catalog.py [--source DIR] [--out FILE] [--version VERSION]

The output is deterministic (entries sorted by id, keys sorted), so rebuilding from the same
snapshot gives the same bytes and a test can check the bundled file never drifts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modelyard.catalog import CatalogFormatError, build_from_source_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "catalog-source"
DEFAULT_OUT = REPO_ROOT / "src" / "modelyard" / "catalog" / "data" / "catalog.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="snapshot directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="catalog file to write")
    parser.add_argument("--version", help="catalog version (default: derived from the source)")
    args = parser.parse_args(argv)
    try:
        catalog = build_from_source_dir(args.source, version=args.version)
    except CatalogFormatError as exc:
        print(f"build_catalog: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(catalog.to_json_bytes())
    print(f"wrote {args.out}: {len(catalog.entries)} entries, version {catalog.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
