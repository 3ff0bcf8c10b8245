"""Retention of raw usage rows: ``MODELYARD_USAGE_RETENTION_DAYS`` (unset: kept forever).

Rows of calls started before midnight UTC ``days`` days ago are deleted, a bounded batch per
short transaction (the recorder's inserts and the reports never wait long behind it, and
PostgreSQL's vacuum can reuse the space as it goes). The daily rollups stay: reports keep
showing every whole day, while the CSV export and the partial days at a report's edges only
see the rows still kept. The cut-off is a UTC midnight, so a day is purged whole, never half.

Every replica (and worker) of ``serve`` runs the hourly purge; two at once only delete the
same rows, which is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta

import anyio.to_thread
from sqlalchemy import Engine, delete, select

from modelyard.background_task import BackgroundTask
from modelyard.storage.tables import UsageRow, WorkspaceRow

log = logging.getLogger(__name__)

BATCH_ROWS = 5000
PURGE_EVERY_S = 3600.0


def retention_cutoff(days: int, now: datetime | None = None) -> datetime:
    """The first instant kept: midnight UTC, ``days`` days before today."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=days), time(), UTC)


def purge_raw_usage(
    engine: Engine, days: int, *, now: datetime | None = None, batch: int = BATCH_ROWS
) -> int:
    """Delete the raw usage rows older than the retention, ``batch`` rows per transaction;
    returns how many went. Rollups are left as they are."""
    cutoff = retention_cutoff(days, now)
    with engine.connect() as connection:
        workspaces = list(connection.scalars(select(WorkspaceRow.id)))
    removed = 0
    for workspace_id in workspaces:
        oldest = (
            select(UsageRow.id)
            .where(UsageRow.workspace_id == workspace_id, UsageRow.started_at < cutoff)
            .limit(batch)
        )
        while True:
            with engine.begin() as connection:
                result = connection.execute(delete(UsageRow).where(UsageRow.id.in_(oldest)))
            count = int(result.rowcount or 0)
            removed += count
            if count < batch:
                break
    return removed


class UsageRetention:
    """The background task of ``serve`` that purges old raw usage rows every hour."""

    def __init__(self, engine: Engine, days: int, every_s: float = PURGE_EVERY_S) -> None:
        self.engine, self.days, self.every_s = engine, days, every_s
        self._background = BackgroundTask(self._loop)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    async def run_once(self) -> int:
        """One purge, in a worker thread; how many raw rows it deleted."""
        return await anyio.to_thread.run_sync(lambda: purge_raw_usage(self.engine, self.days))

    async def _loop(self) -> None:
        while True:
            try:
                removed = await self.run_once()
                if removed:
                    log.info("usage retention: purged %d raw usage row(s)", removed)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be briefly away; try at the next tick
                log.warning("usage retention purge failed", exc_info=True)
            await asyncio.sleep(self.every_s)
