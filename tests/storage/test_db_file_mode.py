"""The SQLite database (and its WAL files) is owner-only, like the secret key."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from modelyard.storage.engine import make_engine
from tests.cli.test_cli import modelyard


def _mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


def test_init_creates_the_database_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        modelyard(tmp_path, "init", "--owner-email", "admin@example.com")
    finally:
        os.umask(old)
    db = tmp_path / "modelyard.db"
    assert _mode(db) == "0o600"
    for extra in (tmp_path / "modelyard.db-wal", tmp_path / "modelyard.db-shm"):
        if extra.exists():
            assert _mode(extra) == "0o600", extra


def test_engine_creates_and_tightens_the_file_and_its_wal(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{fresh}")
        try:
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE t (x INTEGER)"))
                connection.execute(text("INSERT INTO t VALUES (1)"))
                assert _mode(fresh) == "0o600"
                for suffix in ("-wal", "-shm"):
                    assert _mode(Path(f"{fresh}{suffix}")) == "0o600", suffix
        finally:
            engine.dispose()
        loose = tmp_path / "loose.db"
        loose.touch(mode=0o644)
        loose.chmod(0o644)
        make_engine(f"sqlite:///{loose}").dispose()
        assert _mode(loose) == "0o600"
    finally:
        os.umask(old)
