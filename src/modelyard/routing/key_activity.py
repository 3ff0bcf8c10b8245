"""When each API key was last used, noted on the hot path and written off it.

The gateway notes ``api_key_id -> now`` in a dict (no lock, no query: one dict store per
call); a background task writes what was noted every ``interval`` seconds, one UPDATE per
batch of keys, and once more on shutdown. ``last_used_at`` is therefore late by up to the
interval, and a process killed without shutdown loses at most that much: it is a hint for
people tidying up their keys, not an audit record. A timestamp never moves backwards, so
replicas flushing in any order agree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import anyio.to_thread
from sqlalchemy import and_, case, literal, or_, update
from sqlalchemy.orm import Session

from modelyard.background_task import BackgroundTask
from modelyard.storage.tables import ApiKeyRow
from modelyard.storage.types import UTCDateTime

log = logging.getLogger(__name__)

BATCH = 500  # keys per UPDATE statement


class KeyActivity:
    def __init__(self, sessions: Callable[[], Session], interval: float = 30.0) -> None:
        self._sessions = sessions
        self._interval = interval
        self._seen: dict[str, float] = {}
        self._background = BackgroundTask(self._run)

    def note(self, api_key_id: str, now: float) -> None:
        """The key authenticated a call at ``now`` (epoch seconds). Hot path: a dict store."""
        self._seen[api_key_id] = now

    def flush(self) -> int:
        """Write what was noted since the last flush (blocking; the task runs it in a thread,
        tests call it directly). Returns how many keys were written."""
        seen, self._seen = self._seen, {}  # swapped at once: notes made meanwhile go to the new
        if not seen:
            return 0
        items = sorted(seen.items())
        try:
            with self._sessions() as session:
                for start in range(0, len(items), BATCH):
                    _write(session, items[start : start + BATCH])
                session.commit()
        except Exception:
            for key_id, at in seen.items():  # kept for the next flush, never newer ones lost
                self._seen[key_id] = max(at, self._seen.get(key_id, at))
            raise
        return len(items)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        """Stop the task and write what is left."""
        await self._background.stop()
        try:
            await anyio.to_thread.run_sync(self.flush)
        except Exception:
            log.warning("could not write the API keys' last use on shutdown", exc_info=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await anyio.to_thread.run_sync(self.flush)
            except Exception:  # the database may be briefly away: the notes wait for next time
                log.warning("could not write the API keys' last use", exc_info=True)


def _write(session: Session, items: list[tuple[str, float]]) -> None:
    """One UPDATE: each key's ``last_used_at`` set to its time, unless it is already later."""
    when = {key_id: literal(datetime.fromtimestamp(at, UTC), UTCDateTime) for key_id, at in items}
    new = case(when, value=ApiKeyRow.id)
    session.execute(
        update(ApiKeyRow)
        .where(
            and_(
                ApiKeyRow.id.in_(list(when)),
                or_(ApiKeyRow.last_used_at.is_(None), ApiKeyRow.last_used_at < new),
            )
        )
        .values(last_used_at=new)
        .execution_options(synchronize_session=False)
    )
