"""The "max images per user" quota of image models, kept in the database.

The count lives in ``image_quota_windows`` (one row per model and user), so it holds across
replicas and restarts. Windows are fixed, not sliding: a window opens with the first image after
the previous one ended, and lasts ``window_hours``; a member can see exactly when it resets.

Every change is one conditional statement, which is what makes concurrent requests safe on
both backends without explicit locks: PostgreSQL re-checks an UPDATE's ``WHERE`` on the row it
waited for, and SQLite runs one writer at a time. A take tries, in order:

1. add ``n`` to a window that is still open and has room (``count + n <= limit``);
2. restart a window that has ended, with ``count = n``;
3. insert the first window (``ON CONFLICT DO NOTHING``: another request may win that race);

and if none of them changed a row, reads the row: a full window is a 429 with its reset time,
anything else means another request just opened the window, so the take runs once more.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

import anyio.to_thread
from sqlalchemy import CursorResult, Executable, Insert, case, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from modelyard.errors import BadRequest, RateLimited
from modelyard.storage.tables import ImageQuotaRow
from modelyard.storage.types import utcnow

ATTEMPTS = 3  # a take only runs again after losing the race to open a window; once is plenty

Row = ImageQuotaRow


@dataclass(frozen=True, slots=True)
class _Ask:
    workspace_id: str
    model_id: str
    user_id: str
    n: int
    limit: int
    window: timedelta


class ImageQuota:
    """Counts the images each user generates with each image model, per fixed window."""

    def __init__(
        self, sessions: Callable[[], Session], clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def take(
        self,
        workspace_id: str,
        model_id: str,
        user_id: str,
        n: int,
        limit: int,
        window_hours: float,
    ) -> None:
        """Count ``n`` images for the user, or raise :class:`RateLimited` if they do not fit."""
        if n < 1 or limit < 1 or window_hours <= 0:
            raise ValueError(f"bad quota request: n={n}, limit={limit}, hours={window_hours}")
        if n > limit:
            raise BadRequest(
                f"This model allows at most {limit} images per user every "
                f"{_hours(window_hours)} hours; {n} were requested in one call.",
                param="n",
            )
        ask = _Ask(workspace_id, model_id, user_id, n, limit, timedelta(hours=window_hours))
        await anyio.to_thread.run_sync(self._take, ask)

    async def give_back(self, workspace_id: str, model_id: str, user_id: str, n: int) -> None:
        """Return ``n`` images taken for a call that then failed upstream.

        They go back to the user's current window; if it was replaced in between (the call
        straddled a reset), the new window gains them, which is at worst ``n`` extra images.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        statement = (
            update(Row)
            .where(
                Row.model_id == model_id,
                Row.user_id == user_id,
                Row.workspace_id == workspace_id,
            )
            .values(count=case((Row.count > n, Row.count - n), else_=0))
            .execution_options(synchronize_session=False)
        )
        await anyio.to_thread.run_sync(self._write, statement)

    def _write(self, statement: Executable) -> None:
        with self._sessions() as session, session.begin():
            session.execute(statement)

    def _take(self, ask: _Ask) -> None:
        for _ in range(ATTEMPTS):
            now = self._clock()
            with self._sessions() as session, session.begin():
                outcome = _attempt(session, ask, now)
            if outcome == "counted":
                return
            if outcome != "race":
                raise _limited(ask, outcome + ask.window, now)
        raise RateLimited("The image quota is busy; please try again.", retry_after=1.0)


def _attempt(session: Session, ask: _Ask, now: datetime) -> Literal["counted", "race"] | datetime:
    """The start of the full window, or "counted", or "race" (another request opened it)."""
    mine = (Row.model_id == ask.model_id, Row.user_id == ask.user_id)
    cutoff = now - ask.window
    add = (
        update(Row)
        .where(*mine, Row.window_start > cutoff, Row.count + ask.n <= ask.limit)
        .values(count=Row.count + ask.n)
    )
    if _changed(session, add):
        return "counted"
    restart = (
        update(Row)
        .where(*mine, Row.window_start <= cutoff)
        .values(window_start=now, count=ask.n, workspace_id=ask.workspace_id)
    )
    if _changed(session, restart) or _inserted(session, _insert_first(session, ask, now)):
        return "counted"
    row = session.execute(select(Row.window_start, Row.count).where(*mine)).one_or_none()
    if row is not None:
        start, count = cast(tuple[datetime, int], tuple(row))
        if start > cutoff and count + ask.n > ask.limit:
            return start
    return "race"


def _insert_first(session: Session, ask: _Ask, now: datetime) -> Insert:
    values = {
        "model_id": ask.model_id,
        "user_id": ask.user_id,
        "workspace_id": ask.workspace_id,
        "window_start": now,
        "count": ask.n,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Imported here: a server on SQLite need not load PostgreSQL's dialect (~2 MiB).
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(Row).values(values).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(Row).values(values).on_conflict_do_nothing()
    raise NotImplementedError(f"image quotas do not support {dialect}")


def _inserted(session: Session, statement: Insert) -> bool:
    """Whether the insert happened (``RETURNING``: an insert's rowcount is not portable)."""
    return session.execute(statement.returning(Row.model_id)).first() is not None


def _changed(session: Session, statement: Executable) -> bool:
    result = cast(
        CursorResult[Any],
        session.execute(statement, execution_options={"synchronize_session": False}),
    )
    return result.rowcount == 1


def _limited(ask: _Ask, resets_at: datetime, now: datetime) -> RateLimited:
    wait = max((resets_at - now).total_seconds(), 1.0)
    hours = _hours(ask.window.total_seconds() / 3600)
    return RateLimited(
        f"You have reached this model's limit of {ask.limit} images per {hours} hours; "
        f"the window resets at {resets_at:%Y-%m-%dT%H:%M:%SZ} (in {_duration(wait)}).",
        retry_after=float(math.ceil(wait)),
        code="image_quota_exceeded",
    )


def _hours(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _duration(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
