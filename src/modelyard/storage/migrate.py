"""Apply the Alembic migrations programmatically (``init`` and ``serve`` call this).

A server starting on an up-to-date database (every start but the first after an upgrade) only
compares the stored revision with the newest one named in the migration files: Alembic itself
(about 0.2 s and 10 MiB) is imported only when there is something to apply, or when the files
say something this quick check does not understand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_ASSIGNMENT = re.compile(r"^(down_revision|revision)\s*=\s*(.+?)\s*$", re.MULTILINE)
_QUOTED = re.compile(r"""^["']([\w-]+)["']$""")


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def file_heads() -> set[str] | None:
    """The revisions no other migration builds on; None when a file is not the simple
    ``revision = "x"`` / ``down_revision = "y"`` shape (Alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((name, value) for name, value in _ASSIGNMENT.findall(path.read_text()))
        revision = _QUOTED.match(found.get("revision", ""))
        parent = found.get("down_revision", "")
        if revision is None:
            if path.name == "__init__.py":
                continue
            return None
        revisions.add(revision.group(1))
        if parent != "None":
            quoted = _QUOTED.match(parent)
            if quoted is None:
                return None
            parents.add(quoted.group(1))
    return revisions - parents or None


def stored_revisions(engine: Engine) -> set[str] | None:
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:  # a new database: no version table yet
        return None
    return {row[0] for row in rows}


def upgrade(engine: Engine) -> None:
    """Bring the database schema to the newest revision."""
    heads = file_heads()
    if heads is not None and stored_revisions(engine) == heads:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
