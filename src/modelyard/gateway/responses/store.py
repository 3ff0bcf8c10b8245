"""Stored responses: what ``previous_response_id`` continues, kept per user in the database.

A row holds the conversation through the answer (input items, earlier turns included, and the
answer's output) and the response object, so continuing it is one primary-key read, and only
when the caller names a previous response.

Writing one row on the call cost twice the instructions of the whole call (a worker-thread
hop, a session, a commit: 1.2 M -> 3.3 M a call), so ``save`` only queues the row: a flusher
thread stores the queue :data:`FLUSH_DELAY` after the first row came, in one transaction (a
flush of one row costs ~0.4 M instructions, mostly SQLite's commit; of 50 rows, a twentieth of
that a row). Until then the row is
served from the queue by this process; a replica that misses a row another just queued looks
once more after :data:`MISS_RETRY` before answering 404 (only for an id made in the last
:data:`RECENT` seconds: the id tells its time). A killed process loses at most the
rows of its last flush interval (a normal exit stores them); such a response is then a 404,
as an expired one is; so is the oldest queued row when :data:`MAX_QUEUED` wait for a database
that is down. Rows older than the retention setting are not read, and are purged by
the flusher at most once per :data:`PURGE_EVERY`.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import anyio
import anyio.to_thread
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict
from modelyard.gateway.responses.outbound import issued_at
from modelyard.storage.tables import StoredResponseRow
from modelyard.storage.types import utcnow

log = logging.getLogger(__name__)

FLUSH_DELAY = 0.2  # seconds a queued row waits, so that one transaction stores a burst
MISS_RETRY = 0.35  # seconds before a miss is read again (another replica's queue)
RECENT = 2.0  # seconds: a missed id younger than this may still be in another's queue
PURGE_EVERY = 600.0  # seconds between two purges of one process
MAX_QUEUED = 10_000  # rows kept while the database is down; the oldest go first beyond it
_TABLE = cast(Table, StoredResponseRow.__table__)


def _recent(response_id: str) -> bool:
    made = issued_at(response_id)
    return made is not None and -RECENT < time.time() - made < RECENT


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored response: the conversation through it and the response object."""

    input_items: list[dict[str, Any]]
    response: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Queued:
    workspace_id: str
    user_id: str
    created_at: datetime
    stored: Stored


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
        self._queue: dict[str, _Queued] = {}  # id -> row not yet stored
        self._lock = threading.Lock()  # guards the queue (held briefly)
        self._flushing = threading.Lock()  # held while a batch is written (deletes wait)
        self._wake = threading.Event()
        self._flusher: threading.Thread | None = None

    def _oldest(self) -> datetime:
        return self._clock() - self.retention

    def save(
        self,
        workspace_id: str,
        user_id: str,
        input_items: list[dict[str, Any]],
        response: dict[str, Any],
    ) -> None:
        """Queue the response (stored within :data:`FLUSH_DELAY`; served from the queue)."""
        queued = _Queued(workspace_id, user_id, self._clock(), Stored(input_items, response))
        with self._lock:
            if len(self._queue) >= MAX_QUEUED:  # the database is down: memory must not grow
                del self._queue[next(iter(self._queue))]
            self._queue[response["id"]] = queued
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._run, name="modelyard-responses", daemon=True
                )
                self._flusher.start()
                atexit.register(self._flush_at_exit)
        if not self._wake.is_set():  # set() takes a condition's lock: once per flush is enough
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(FLUSH_DELAY)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the database is down: the rows stay queued, tried again
                log.warning("storing responses failed; retrying", exc_info=True)
                time.sleep(1.0)
                self._wake.set()

    def _flush_at_exit(self) -> None:
        try:
            self.flush()
        except Exception:  # the database may be gone first; nothing to do about it then
            log.warning("stored responses of the last moments were not stored at exit")

    def flush(self) -> None:
        """Store the queued rows now, in one transaction (and purge when one is due)."""
        with self._flushing:
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            batch = dict(self._queue)
        purge = time.monotonic() - self._purged_at >= PURGE_EVERY
        if not batch and not purge:
            return
        rows = [
            {
                "id": response_id,
                "workspace_id": q.workspace_id,
                "user_id": q.user_id,
                "created_at": q.created_at,
                "input_items": q.stored.input_items,
                "response": q.stored.response,
            }
            for response_id, q in batch.items()
        ]
        try:
            self._write(rows, purge)
        except Conflict:
            # A row a constraint refuses (its user or workspace was deleted meanwhile) must
            # not hold the others back forever: one by one, dropping the refused ones.
            for row in rows:
                try:
                    self._write([row], False)
                except Conflict:
                    log.warning("a stored response was dropped: its user or workspace is gone")
            if purge:
                self._write([], True)
        if purge:
            self._purged_at = time.monotonic()
        with self._lock:
            for response_id, queued in batch.items():
                if self._queue.get(response_id) is queued:
                    del self._queue[response_id]

    def _write(self, rows: list[dict[str, Any]], purge: bool) -> None:
        with self._sessions() as session, session.begin():
            if rows:
                session.execute(_TABLE.insert(), rows)  # Core: no ORM bulk machinery
            if purge:
                old = StoredResponseRow.created_at < self._oldest()
                session.execute(delete(StoredResponseRow).where(old))

    def _queued(self, workspace_id: str, user_id: str, response_id: str) -> Stored | None:
        with self._lock:
            queued = self._queue.get(response_id)
        if queued is None or (queued.workspace_id, queued.user_id) != (workspace_id, user_id):
            return None
        return queued.stored

    def _read(self, workspace_id: str, user_id: str, response_id: str) -> Stored | None:
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

    async def load(self, workspace_id: str, user_id: str, response_id: str) -> Stored | None:
        """The caller's own stored response within retention, else None (another user's too)."""
        for attempt in range(2):
            stored = self._queued(workspace_id, user_id, response_id)
            if stored is None:
                stored = await anyio.to_thread.run_sync(
                    self._read, workspace_id, user_id, response_id
                )
            if stored is not None or attempt or not _recent(response_id):
                return stored
            await anyio.sleep(MISS_RETRY)
        return None

    async def delete(self, workspace_id: str, user_id: str, response_id: str) -> bool:
        """Delete the caller's own stored response; False when there is none. Waits for a
        flush under way, so that it cannot store the row again after the delete."""

        def remove() -> bool:
            with self._flushing:
                if self._queued(workspace_id, user_id, response_id) is not None:
                    with self._lock:
                        del self._queue[response_id]
                    return True
                return self._remove(workspace_id, user_id, response_id)

        return await anyio.to_thread.run_sync(remove)

    def _remove(self, workspace_id: str, user_id: str, response_id: str) -> bool:
        with self._sessions() as session, session.begin():
            result = session.execute(
                delete(StoredResponseRow).where(
                    StoredResponseRow.id == response_id,
                    StoredResponseRow.workspace_id == workspace_id,
                    StoredResponseRow.user_id == user_id,
                )
            )
            return bool(getattr(result, "rowcount", 0))
