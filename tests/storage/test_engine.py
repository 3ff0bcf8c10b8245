"""SQLite connections get their pragmas, the smaller page cache included."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from modelyard.storage.engine import SQLITE_CACHE_KIB, make_engine


def test_sqlite_connections_get_their_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "cache_size")
            }
    finally:
        engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "cache_size": -SQLITE_CACHE_KIB,
    }
