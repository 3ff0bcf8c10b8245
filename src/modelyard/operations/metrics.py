"""Prometheus metrics of this process, in a registry of their own (not the client's global one,
so that imported libraries add nothing and tests can build several apps in one process).

Gauges that mirror state (``modelyard_limiter_degraded``, ``modelyard_budgets_degraded``,
``modelyard_budget_spent_ratio``) are read when scraped, from the
services of the app that answers, so nothing on the hot path updates them.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from modelyard.operations.call_metrics import (
    CALLS,
    DURATION_BUCKETS,
    TTFT_BUCKETS,
    merged,
    metrics_dir,
)
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


def _histogram(
    name: str, doc: str, table: dict[str, list[float]], buckets: tuple[float, ...]
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, doc, labels=["endpoint", "model"])
    for key, values in sorted(table.items()):
        cumulative, counts = 0.0, []
        for bound, count in zip((*buckets, float("inf")), values[:-1], strict=True):
            cumulative += count
            counts.append((str(bound) if bound != float("inf") else "+Inf", cumulative))
        family.add_metric(key.split("\0"), counts, values[-1])
    return family


def _counter(name: str, doc: str, labels: list[str], table: dict[str, float]) -> Metric:
    family = CounterMetricFamily(name, doc, labels=labels)
    for key, value in sorted(table.items()):
        family.add_metric(key.split("\0"), value)
    return family


class CallCollector(Collector):
    """The per-call metrics of every worker of this ``serve`` (:mod:`.call_metrics`)."""

    def collect(self) -> Iterator[Metric]:
        tables = merged(CALLS.snapshot(), metrics_dir())
        yield _counter(
            "modelyard_requests",
            "calls to /v1 that ended, by endpoint, model slug and HTTP status",
            ["endpoint", "model", "status"],
            tables.get("requests", {}),
        )
        yield _histogram(
            "modelyard_request_duration_seconds",
            "seconds from the call's start to its end (a stream: to its last event)",
            tables.get("duration", {}),
            DURATION_BUCKETS,
        )
        yield _histogram(
            "modelyard_time_to_first_token_seconds",
            "seconds from a streamed call's start to its first token",
            tables.get("ttft", {}),
            TTFT_BUCKETS,
        )
        yield _counter(
            "modelyard_tokens",
            "tokens by model slug and type (input, output, cache_read, cache_write, reasoning)",
            ["model", "type"],
            tables.get("tokens", {}),
        )
        yield _counter(
            "modelyard_cost_usd",
            "cost in USD at the prices in force at call time, by model slug",
            ["model"],
            tables.get("cost", {}),
        )
        yield _counter(
            "modelyard_upstream_errors",
            "failed upstream attempts by deployment and reason (429, timeout, error, ...)",
            ["deployment", "reason"],
            tables.get("upstream_errors", {}),
        )


REGISTRY.register(CallCollector())


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
    """``GET /metrics``; with ``MODELYARD_METRICS_TOKEN`` set, only with that bearer token."""
    token = services.settings.metrics_token
    if token is not None and not _authorized(scope, token.get_secret_value()):
        refused = Response(
            b"a bearer token is required for /metrics\n",
            status_code=401,
            media_type="text/plain",
            headers={"www-authenticate": 'Bearer realm="modelyard-metrics"'},
        )
        await refused(scope, receive, send)
        return
    response = Response(render(services), media_type=CONTENT_TYPE_LATEST)
    await response(scope, receive, send)


def _authorized(scope: Scope, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, given = value.partition(b" ")
            return scheme.lower() == b"bearer" and hmac.compare_digest(
                given.strip(), token.encode()
            )
    return False
