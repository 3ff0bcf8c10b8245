"""Unique and foreign-key violations become a 409 naming the field, for every caller at once.

The services check a slug, an email or a referenced row before writing, but two admins can
pass the same check at the same moment; the database's constraint then refuses the second
write. Translated here, in the engine's ``handle_error`` hook, that refusal reaches the admin
API, the web UI and the CLI as the same :class:`Conflict` their own checks raise, instead of
a 500. The offending values are never repeated (PostgreSQL's message would carry them).
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import IntegrityError

from modelyard.errors import Conflict

# SQLite: "UNIQUE constraint failed: models.workspace_id, models.slug"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)")
# PostgreSQL: "Key (workspace_id, slug)=(...) already exists."
_PG_KEY = re.compile(r"Key \((?P<columns>[\w, ]+)\)=")
_SCOPE_COLUMNS = {"workspace_id"}


def _unique_columns(error: BaseException) -> list[str] | None:
    """The columns of the unique constraint ``error`` reports, or None if it is not one."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is not None:  # psycopg
        if sqlstate != "23505":
            return None
        detail = getattr(getattr(error, "diag", None), "message_detail", None) or ""
        match = _PG_KEY.search(detail)
        return [c.strip() for c in match["columns"].split(",")] if match else []
    match = _SQLITE_UNIQUE.search(str(error))
    if match is None:
        return None
    return [c.strip().rpartition(".")[2] for c in match["columns"].split(",")]


def _is_foreign_key(error: BaseException) -> bool:
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == "23503")
    return "FOREIGN KEY constraint failed" in str(error)


def conflict_for(error: BaseException) -> Conflict | None:
    """The :class:`Conflict` a driver's integrity error means, or None for other errors."""
    columns = _unique_columns(error)
    if columns is not None:
        named = [c for c in columns if c not in _SCOPE_COLUMNS]
        field = named[-1] if named else None
        if field is None:
            return Conflict("This already exists (another change made it just now).")
        return Conflict(
            f"The {field} is already used in this workspace (another change took it just "
            "now); choose another.",
            param=field,
        )
    if _is_foreign_key(error):
        return Conflict(
            "Another change removed or still uses what this one refers to; reload and try again."
        )
    return None


def _translate(context: ExceptionContext) -> BaseException | None:
    if isinstance(context.sqlalchemy_exception, IntegrityError):
        return conflict_for(context.original_exception)
    return None


def translate_integrity_errors(engine: Engine) -> None:
    """Install the translation on ``engine``."""
    event.listen(engine, "handle_error", _translate)
