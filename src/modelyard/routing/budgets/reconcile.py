"""Bringing the ledger in line with the usage records, off the hot path.

When a workspace's snapshot loads (first call, or after a configuration change) and then every
``interval`` seconds, each budget's spend in its current period is read from the database
(:func:`modelyard.usage.budget_spend.spent_by_budget`, batched) and given to the ledger, which
keeps the larger of its own count and the database's. So a restart, an expired or deleted
Redis key, or a settle lost while Redis was down never forgets recorded spend for longer than
one interval; and what was settled here but not yet written by the recorder is never counted
twice (the maximum of two lower bounds is a lower bound).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import anyio.to_thread
from sqlalchemy.orm import Session

from modelyard.background_task import BackgroundTask
from modelyard.routing.budgets.ledger import BudgetLedger
from modelyard.routing.budgets.periods import Period, to_micro
from modelyard.routing.snapshot import BudgetConfig, WorkspaceConfig
from modelyard.usage.budget_spend import spent_by_budget

log = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self,
        sessions: Callable[[], Session],
        ledger: BudgetLedger,
        loaded: Callable[[], Iterable[WorkspaceConfig]],
        interval: float = 30.0,
    ) -> None:
        self._sessions = sessions
        self._ledger = ledger
        self._loaded = loaded
        self.interval = interval
        self._background = BackgroundTask(self._run)
        # What the last reconciliation read, by workspace, for ``/metrics`` (at most one
        # interval old): each budget with its spend in micro-dollars.
        self.last_spent: dict[str, list[tuple[BudgetConfig, int]]] = {}

    def _read(self, config: WorkspaceConfig) -> list[tuple[Period, int]]:
        now = self._ledger.periods.clock()
        periods = [self._ledger.periods.current(b, now) for b in config.budgets]
        with self._sessions() as session:
            spent = spent_by_budget(session, config.id, [(p.budget, p.start) for p in periods])
        return [(p, to_micro(spent.get(p.budget.id, Decimal(0)))) for p in periods]

    async def sync(self, config: WorkspaceConfig) -> None:
        """One workspace, now (its snapshot just loaded)."""
        if not config.budgets:
            self.last_spent.pop(config.id, None)
            return
        spent: Sequence[tuple[Period, int]] = await anyio.to_thread.run_sync(self._read, config)
        self.last_spent[config.id] = [(period.budget, value) for period, value in spent]
        await self._ledger.reconcile(config.id, spent)

    async def run_once(self) -> None:
        for config in list(self._loaded()):
            try:
                await self.sync(config)
            except Exception:  # the database may be briefly unreachable; try next time
                log.warning("could not reconcile budgets of %s", config.id, exc_info=True)

    def start(self) -> None:
        self._background.start()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.run_once()

    async def stop(self) -> None:
        await self._background.stop()
