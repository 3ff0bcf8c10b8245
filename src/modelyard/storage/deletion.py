"""Deleting a loaded row so that a concurrent deletion of it is a 404, not a 500.

``session.delete(row)`` issues ``DELETE ... WHERE id = ?`` at flush and fails (SQLAlchemy's
"expected to delete 1 row(s); 0 were matched") when another request deleted the row between
our load and our flush: two admins clicking delete, a retrying client, the fuzz run. Deleting
by statement and counting what it removed lets the second one answer "not found" instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session


def delete_row(session: Session, row: Any, gone: Exception) -> None:
    """Delete ``row`` (loaded in ``session``) by its primary key; ``gone`` is raised, after a
    rollback, when nothing was left to delete."""
    model = type(row)
    (key,) = model.__mapper__.primary_key
    identity = getattr(row, key.key)
    session.expunge(row)
    removed = session.execute(delete(model).where(key == identity))
    if int(getattr(removed, "rowcount", 0) or 0) == 0:
        session.rollback()
        raise gone
