"""Prometheus metrics of this process, in a registry of their own (not the client's global one,
so that imported libraries add nothing and tests can build several apps in one process).

Gauges that mirror state (``modelyard_limiter_degraded``) are read when scraped, from the
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


def render(services: Services) -> bytes:
    """The metrics in the Prometheus text format, gauges read from ``services`` now."""
    LIMITER_DEGRADED.set(1 if services.router.limits.degraded else 0)
    return generate_latest(REGISTRY)


async def metrics(services: Services, scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /metrics``."""
    response = Response(render(services), media_type=CONTENT_TYPE_LATEST)
    await response(scope, receive, send)
