"""The successor rule (``catalog.successors``) on the bundled catalog and on small catalogs, and
the remembered retired entries (``catalog.retirements``) on a migrated database: a removed
entry's last data outlives it, an entry that comes back is forgotten."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from modelyard.catalog import load_bundled
from modelyard.catalog.retirements import note_retirements, retired_entries
from modelyard.catalog.schema import Catalog, CatalogEntry
from modelyard.catalog.successors import suggest_successor
from tests.support import migrated_engine


def entry(entry_id: str, **fields: object) -> CatalogEntry:
    provider, _, name = entry_id.partition("/")
    base: dict[str, object] = {
        "id": entry_id,
        "kind": "completion",
        "provider": provider,
        "provider_model_name": name,
        "display_name": name,
    }
    return CatalogEntry.model_validate(base | fields)


def catalog(*entries: CatalogEntry, version: str = "t") -> Catalog:
    return Catalog(version=version, entries=list(entries))


def test_the_bundled_catalog_names_a_successor_of_its_own_line() -> None:
    bundled = load_bundled()
    deprecated = [e for e in bundled.entries if e.deprecated]
    assert deprecated  # models.dev marks some (status: deprecated)
    sonnet = bundled.get("anthropic/claude-3-5-sonnet-20241022")
    assert sonnet is not None and sonnet.deprecated
    found = suggest_successor(sonnet, bundled)
    assert found is not None and found.reason == "same_line"
    assert found.entry.family == "claude-sonnet" and not found.entry.deprecated
    newest = max(
        (e.release_date or "")
        for e in bundled.entries
        if e.family == "claude-sonnet" and e.provider == "anthropic" and not e.deprecated
    )
    assert found.entry.release_date == newest
    for old in deprecated:
        suggestion = suggest_successor(old, bundled)
        if suggestion is not None:  # never across providers or kinds, never a deprecated one
            assert suggestion.entry.provider == old.provider
            assert suggestion.entry.kind == old.kind and not suggestion.entry.deprecated


def test_named_successor_wins_and_is_followed_past_deprecated_ones() -> None:
    old = entry("p/a-1", family="a", deprecated=True, successor="p/a-2")
    middle = entry("p/a-2", family="a", deprecated=True, successor="p/b-9")
    named = entry("p/b-9", family="b")
    newest_of_line = entry("p/a-3", family="a", release_date="2099-01-01")
    found = suggest_successor(old, catalog(old, middle, named, newest_of_line))
    assert found is not None and (found.entry.id, found.reason) == ("p/b-9", "named")
    # A named successor that is gone falls back to the line.
    found = suggest_successor(old, catalog(old, newest_of_line))
    assert found is not None and (found.entry.id, found.reason) == ("p/a-3", "same_line")


def test_without_a_line_the_closest_name_of_the_provider() -> None:
    old = entry("p/fast-chat-1")
    close = entry("p/fast-chat-2", release_date="2025-01-01")
    far = entry("p/fast-x", release_date="2026-01-01")
    other_provider = entry("q/fast-chat-1b")
    image = entry("p/fast-chat-1-image", kind="image")
    found = suggest_successor(old, catalog(close, far, other_provider, image))
    assert found is not None and (found.entry.id, found.reason) == ("p/fast-chat-2", "similar_name")
    assert suggest_successor(entry("p/other-1"), catalog(close, far)) is None


def test_retired_entries_are_remembered_past_their_removal(tmp_path: Path) -> None:
    a, b = entry("p/a-1", family="a"), entry("p/a-2", family="a")
    with migrated_engine("sqlite", tmp_path) as engine, Session(engine) as session:
        first = catalog(a, b, version="1")
        deprecated = catalog(a.model_copy(update={"deprecated": True}), b, version="2")
        note_retirements(session, first, deprecated, "cup_1")
        session.commit()
        ((row, kept),) = retired_entries(session).values()
        assert (row.catalog_id, row.status, row.catalog_update_id) == (
            "p/a-1",
            "deprecated",
            "cup_1",
        )
        assert row.deprecated_at is not None and row.removed_at is None

        removed = catalog(b, version="3")
        note_retirements(session, deprecated, removed, "cup_2")
        session.commit()
        ((row, kept),) = retired_entries(session).values()
        assert row.status == "removed" and row.removed_at is not None
        assert row.deprecated_at is not None  # still says since when it was deprecated
        assert kept.family == "a" and kept.deprecated  # the last data, as last seen
        found = suggest_successor(kept, removed)
        assert found is not None and found.entry.id == "p/a-2"

        note_retirements(session, removed, catalog(a, b, version="4"))  # it came back
        session.commit()
        assert retired_entries(session) == {}
