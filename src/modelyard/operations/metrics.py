"""Prometheus metrics of this process, in a registry of their own (not the client's global one,
so that imported libraries add nothing and tests can build several apps in one process).

Gauges that mirror state (``modelyard_limiter_degraded``, ``modelyard_budgets_degraded``,
``modelyard_budget_spent_ratio``) are read when scraped, from the
services of the app that answers, so nothing on the hot path updates them.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from modelyard.services import Services

REGISTRY = CollectorRegistry()

LIMITER_DEGRADED = Gauge(
    "modelyard_limiter_degraded",
    "1 while shared limits run without Redis (each replica enforces its share), else 0",
    registry=REGISTRY,
)


BUDGETS_DEGRADED = Gauge(
    "modelyard_budgets_degraded",
    "1 while the shared budget ledger is unreachable (each replica admits from its share)",
    registry=REGISTRY,
)
BUDGET_SPENT_RATIO = Gauge(
    "modelyard_budget_spent_ratio",
    "spend in the budget's current period over its amount, as of the last reconciliation "
    "with the usage records (at most 30 s old); budgets this process has loaded",
    ["workspace_id", "budget_id", "scope", "period"],
    registry=REGISTRY,
)


def render(services: Services) -> bytes:
    """The metrics in the Prometheus text format, gauges read from ``services`` now."""
    LIMITER_DEGRADED.set(1 if services.router.limits.degraded else 0)
    BUDGETS_DEGRADED.set(1 if services.budgets.degraded else 0)
    BUDGET_SPENT_RATIO.clear()  # deleted budgets and unloaded workspaces leave no series
    for workspace_id, budgets in services.budgets.reconciler.last_spent.items():
        for budget, spent_micro in budgets:
            amount = float(budget.amount_usd) * 1e6
            ratio = spent_micro / amount if amount > 0 else 0.0
            BUDGET_SPENT_RATIO.labels(workspace_id, budget.id, budget.scope, budget.period).set(
                ratio
            )
    return generate_latest(REGISTRY)


async def metrics(services: Services, scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /metrics``."""
    response = Response(render(services), media_type=CONTENT_TYPE_LATEST)
    await response(scope, receive, send)
