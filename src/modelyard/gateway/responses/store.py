"""Stored responses: what ``previous_response_id`` continues, kept per user in the database.

A row holds the conversation before the answer (input items, earlier turns included) and the
response object, so continuing it is one primary-key read, and only when the caller names a
previous response. Rows older than the retention setting are not read and are purged on
write, at most once per :data:`PURGE_EVERY` per process (one indexed delete, never on a call
that does not store).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modelyard.storage.tables import StoredResponseRow
from modelyard.storage.types import utcnow

PURGE_EVERY = 600.0  # seconds between two purges of one process


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored response: the items before it and the response object."""

    input_items: list[dict[str, Any]]
    response: dict[str, Any]


class ResponseStore:
    def __init__(
        self,
        sessions: Callable[[], Session],
        retention_days: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self.retention = timedelta(days=retention_days)
        self._clock = clock
        self._purged_at = float("-inf")

    def _oldest(self) -> datetime:
        return self._clock() - self.retention

    async def save(
        self,
        workspace_id: str,
        user_id: str,
        input_items: list[dict[str, Any]],
        response: dict[str, Any],
    ) -> None:
        purge = time.monotonic() - self._purged_at >= PURGE_EVERY
        if purge:
            self._purged_at = time.monotonic()

        def write() -> None:
            with self._sessions() as session, session.begin():
                session.add(
                    StoredResponseRow(
                        id=response["id"],
                        workspace_id=workspace_id,
                        user_id=user_id,
                        created_at=self._clock(),
                        input_items=input_items,
                        response=response,
                    )
                )
                if purge:
                    session.execute(
                        delete(StoredResponseRow).where(
                            StoredResponseRow.created_at < self._oldest()
                        )
                    )

        await anyio.to_thread.run_sync(write)

    async def load(self, workspace_id: str, user_id: str, response_id: str) -> Stored | None:
        """The caller's own stored response within retention, else None (another user's too)."""

        def read() -> Stored | None:
            with self._sessions() as session:
                row = session.scalar(
                    select(StoredResponseRow).where(
                        StoredResponseRow.id == response_id,
                        StoredResponseRow.workspace_id == workspace_id,
                        StoredResponseRow.user_id == user_id,
                        StoredResponseRow.created_at >= self._oldest(),
                    )
                )
                return None if row is None else Stored(row.input_items, row.response)

        return await anyio.to_thread.run_sync(read)

    async def delete(self, workspace_id: str, user_id: str, response_id: str) -> bool:
        """Delete the caller's own stored response; False when there is none."""

        def remove() -> bool:
            with self._sessions() as session, session.begin():
                result = session.execute(
                    delete(StoredResponseRow).where(
                        StoredResponseRow.id == response_id,
                        StoredResponseRow.workspace_id == workspace_id,
                        StoredResponseRow.user_id == user_id,
                    )
                )
                return bool(getattr(result, "rowcount", 0))

        return await anyio.to_thread.run_sync(remove)
