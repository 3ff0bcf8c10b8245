"""Budgets on the hot path: the ledger (memory, Redis), admission, reconciliation."""

from __future__ import annotations

from modelyard.routing.budgets.admission import BudgetExceeded, BudgetGuard
from modelyard.routing.budgets.ledger import BudgetLedger, Hold, MemoryLedger, Refusal
from modelyard.routing.budgets.reconcile import Reconciler

__all__ = [
    "BudgetExceeded",
    "BudgetGuard",
    "BudgetLedger",
    "Hold",
    "MemoryLedger",
    "Reconciler",
    "Refusal",
    "make_ledger",
]


def make_ledger(
    redis_url: str | None, workers: int = 1, replicas: int | None = None, **kwargs: object
) -> BudgetLedger:
    """Redis when configured (shared by replicas), else this process's memory."""
    if redis_url:
        from modelyard.routing.budgets.redis_ledger import RedisLedger

        expected = replicas * max(1, workers) if replicas else None
        return RedisLedger(redis_url, expected=expected, **kwargs)  # type: ignore[arg-type]
    return MemoryLedger(share=workers, **kwargs)  # type: ignore[arg-type]
