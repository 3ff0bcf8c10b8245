"""``GET /readyz``: whether this process should get traffic, for load balancers and probes.

``/healthz`` says the process and its database live; ``/readyz`` also asks Redis (when
configured), the limiter and the budget ledger: a replica whose limits or budgets run degraded
(each replica at its share, see :mod:`modelyard.routing.limits.redis_store` and
:mod:`modelyard.routing.budgets.redis_ledger`) answers 503, so traffic goes to replicas that
share them exactly, and the body says what is down.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from sqlalchemy import text
from starlette.types import Receive, Scope, Send

from modelyard.draining import is_draining
from modelyard.json_response import JSONBytesResponse
from modelyard.routing.limits import LimitStore
from modelyard.services import Services


def _database_answers(services: Services) -> bool:
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def limits_state(limits: LimitStore, shared: bool) -> dict[str, Any]:
    """``limits``: ``local`` (no Redis configured), ``shared`` or ``degraded``; when degraded,
    ``limits_share``: the part of each limit this replica enforces (``none``: it refuses)."""
    if not limits.degraded:
        return {"limits": "shared" if shared else "local"}
    share = int(getattr(limits, "share", 1))  # the Redis store's local denominator
    return {"limits": "degraded", "limits_share": f"1/{share}" if share else "none"}


async def readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    """Ready (database, Redis when configured, limits and budgets not degraded) and the
    details."""
    if is_draining():  # SIGTERM: still serving, but the balancer should stop sending
        return False, {"status": "draining"}
    database = await anyio.to_thread.run_sync(_database_answers, services)
    limits = services.router.limits
    redis = await limits.ping()
    body: dict[str, Any] = {"database": "ok" if database else "unreachable"}
    if redis is not None:
        body["redis"] = "ok" if redis else "unreachable"
    body |= limits_state(limits, shared=redis is not None)
    budgets_degraded = services.budgets.degraded
    if redis is None:
        body["budgets"] = "local"
    else:  # the ledger notices only when a budget is used; an unreachable Redis is enough
        body["budgets"] = "degraded" if budgets_degraded or not redis else "shared"
    ready = database and redis is not False and not limits.degraded and not budgets_degraded
    return ready, {"status": "ok" if ready else "unavailable", **body}


async def readyz(services: Services, scope: Scope, receive: Receive, send: Send) -> None:
    """200 with the details when ready, else 503 with them."""
    ready, body = await readiness(services)
    await JSONBytesResponse(body, status_code=200 if ready else 503)(scope, receive, send)
