"""``modelyard.catalog`` loads its parts on first use, and every name it exports still works;
storing the bundled catalog on start-up leaves a stored one untouched."""

from __future__ import annotations

import importlib
import subprocess
import sys

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import modelyard.catalog as catalog
from modelyard.storage.tables import Base, CatalogRow
from modelyard.workspace.catalog_store import active_catalog, ensure_stored


def test_the_schema_alone_does_not_load_the_builder_loader_or_differ() -> None:
    code = (
        "import sys\n"
        "from modelyard.catalog import Capabilities\n"
        "import modelyard.workspace.catalog_store\n"
        "print(sorted(m for m in sys.modules if m.startswith('modelyard.catalog.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['modelyard.catalog.schema']"


def test_every_exported_name_resolves_to_its_module() -> None:
    for name in catalog.__all__:
        value = getattr(catalog, name)
        owner = catalog._MODULE_OF[name]
        assert value is getattr(importlib.import_module(f"modelyard.catalog.{owner}"), name)
    assert sorted(catalog.__all__) == sorted(catalog._MODULE_OF)
    assert set(catalog.__all__) <= set(dir(catalog))


def test_ensure_stored_stores_the_bundled_catalog_once() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        ensure_stored(session)
        row = session.get(CatalogRow, 1)
        assert row is not None and row.version == catalog.load_bundled().version
        row.version = "stored-earlier"
        session.commit()
        ensure_stored(session)  # already there: left as it is
        assert session.get(CatalogRow, 1).version == "stored-earlier"  # type: ignore[union-attr]
        assert active_catalog(session).version == catalog.load_bundled().version
