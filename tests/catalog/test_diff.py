"""Diff tests: added/changed/removed entries and the rendered text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from modelyard.catalog import Capabilities, Catalog, CatalogEntry, diff_catalogs, load_bundled


def make_entry(model: str, kind: str = "completion", **fields: Any) -> CatalogEntry:
    return CatalogEntry(
        id=f"openai/{model}",
        kind=kind,
        provider="openai",
        provider_model_name=model,
        display_name=model,
        **fields,
    )


OLD = Catalog(
    version="v1",
    entries=[
        make_entry("gpt-3"),
        make_entry("gpt-4o", input_price=Decimal("2.5"), capabilities=Capabilities(tools=False)),
        make_entry("gpt-5", input_price=Decimal("1.25")),
    ],
)
NEW = Catalog(
    version="v2",
    entries=[
        make_entry("gpt-4o", input_price=Decimal("2.0"), capabilities=Capabilities(tools=True)),
        make_entry("gpt-5", input_price=Decimal("1.250")),  # same amount, other spelling
        make_entry("gpt-image-9", kind="image", image_price=Decimal("0.04")),
        make_entry("gpt-9"),
    ],
)


def test_added_changed_removed() -> None:
    diff = diff_catalogs(OLD, NEW)
    assert (diff.old_version, diff.new_version) == ("v1", "v2")
    assert [e.id for e in diff.added] == ["openai/gpt-9", "openai/gpt-image-9"]
    assert [e.id for e in diff.removed] == ["openai/gpt-3"]
    assert [c.id for c in diff.changed] == ["openai/gpt-4o"]
    assert diff.changed[0].fields == {
        "input_price": (Decimal("2.5"), Decimal("2.0")),
        "capabilities.tools": (False, True),
    }
    assert not diff.is_empty


def test_render() -> None:
    text = diff_catalogs(OLD, NEW).render()
    assert text.splitlines() == [
        "catalog v1 -> v2",
        "+ openai/gpt-9 (completion)",
        "+ openai/gpt-image-9 (image)",
        "~ openai/gpt-4o: input_price 2.5 -> 2.0, capabilities.tools false -> true",
        "- openai/gpt-3 (completion)",
        "2 added, 1 changed, 1 removed",
    ]


def test_none_values_render() -> None:
    old = Catalog(version="a", entries=[make_entry("m", context_window=1000)])
    new = Catalog(version="b", entries=[make_entry("m")])
    assert "~ openai/m: context_window 1000 -> none" in diff_catalogs(old, new).render()


def test_identical_catalogs() -> None:
    bundled = load_bundled()
    diff = diff_catalogs(bundled, bundled)
    assert diff.is_empty
    assert diff.render().endswith("0 added, 0 changed, 0 removed")
