"""Web sign-ins as rows, so that they can be ended.

The cookie alone (encrypted and authenticated, see ``web.session``) cannot be taken back: a
copy kept from before sign-out, or from before an admin reset the password, would work until
it expired. Each sign-in therefore gets a row that the cookie names; every page already reads
the user's row, and the session's is read in the same query, so revoking it (here, in the
shared database) ends it on every replica at the next page.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from modelyard.storage.tables import WebSessionRow
from modelyard.storage.types import utcnow

LIFETIME = timedelta(hours=12)


def start(db: Session, user_id: str) -> str:
    """A new live session of ``user_id``; its id goes into the cookie."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(WebSessionRow(id=session_id, user_id=user_id, created_at=now, expires_at=now + LIFETIME))
    db.commit()
    return session_id


def is_live(db: Session, session_id: str | None, user_id: str) -> bool:
    """Whether ``session_id`` is a session of ``user_id`` that was neither ended nor expired."""
    if not session_id:
        return False
    row = db.get(WebSessionRow, session_id)
    return (
        row is not None
        and row.user_id == user_id
        and row.revoked_at is None
        and row.expires_at > utcnow()
    )


def end(db: Session, session_id: str | None) -> None:
    """Sign-out: this session stops working everywhere."""
    if session_id:
        db.execute(
            update(WebSessionRow)
            .where(WebSessionRow.id == session_id, WebSessionRow.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        db.commit()


def end_all(db: Session, user_id: str) -> None:
    """Every session of ``user_id`` stops (password change or reset, role change,
    deactivation). Added to the caller's transaction: it commits with the change itself."""
    db.execute(
        update(WebSessionRow)
        .where(WebSessionRow.user_id == user_id, WebSessionRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
