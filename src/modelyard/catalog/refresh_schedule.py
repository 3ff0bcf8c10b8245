"""The background task of ``serve`` that refreshes the catalog every
``MODELYARD_CATALOG_REFRESH_HOURS``; started and stopped with the configuration store.

Every replica (and worker) runs it; the refresh's lock and its "is one due?" check, made while
holding the lock, leave one refresh per period. Light to import: the refresh itself (httpx,
the catalog loader) loads on the first run.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio.to_thread

from modelyard.background_task import BackgroundTask

if TYPE_CHECKING:
    from modelyard.catalog.refresh import RefreshContext

log = logging.getLogger(__name__)

MAX_TICK_SECONDS = 60.0


class CatalogSchedule:
    """Looks every minute (or every period, if shorter) whether a refresh is due."""

    def __init__(self, ctx: RefreshContext) -> None:
        self.ctx = ctx
        self._background = BackgroundTask(self._loop)

    @property
    def tick_seconds(self) -> float:
        return min(self.ctx.interval / timedelta(seconds=1), MAX_TICK_SECONDS)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

    async def run_once(self) -> bool:
        """One scheduled attempt; whether this process refreshed (or tried and failed)."""
        from modelyard.catalog.refresh import refresh

        outcome = await anyio.to_thread.run_sync(lambda: refresh(self.ctx, scheduled=True))
        return outcome is not None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be briefly away; try at the next tick
                log.warning("scheduled catalog refresh failed", exc_info=True)
            await asyncio.sleep(self.tick_seconds)
