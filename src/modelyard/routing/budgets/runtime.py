"""The budgets' background parts, started and stopped with the configuration store: the
periodic reconciliation, the alerts' delivery task and the ledger's connection."""

from __future__ import annotations

import asyncio

from modelyard.routing.budgets.admission import BudgetGuard
from modelyard.routing.budgets.reconcile import Reconciler
from modelyard.usage.budget_alerts import BudgetAlerts


class BudgetRuntime:
    def __init__(self, guard: BudgetGuard, reconciler: Reconciler, alerts: BudgetAlerts) -> None:
        self.guard = guard
        self.reconciler = reconciler
        self.alerts = alerts
        self._starting: asyncio.Task[None] | None = None

    @property
    def degraded(self) -> bool:
        """Whether the shared ledger (Redis) is unreachable and this process admits from its
        share (see :mod:`modelyard.routing.budgets.redis_ledger`); never for the memory one."""
        return bool(getattr(self.guard.ledger, "degraded", False))

    def start(self) -> None:
        self.reconciler.start()
        self._starting = asyncio.get_running_loop().create_task(self.alerts.start())

    async def stop(self) -> None:
        await self.reconciler.stop()
        await self.guard.ledger.close()
        if self._starting is not None:
            await self._starting
            self._starting = None
        await self.alerts.aclose()
