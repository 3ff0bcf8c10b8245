"""What an admin needs on day two about one model: each deployment's health and TPM in use,
calls, tokens and cost of the last 24 hours and 30 days, its catalog entry and price history.

Health, errors of the last hour and TPM are this process's own view (``HealthBook``, the limit
store: usage records name no deployment for a call none answered); calls, tokens and cost come
from ``usage.reports``' public queries, so they are the Usage page's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio.from_thread
from sqlalchemy.orm import Session

from modelyard.catalog.schema import CatalogEntry
from modelyard.routing.health import HealthBook
from modelyard.routing.limits import LimitStore
from modelyard.usage.reports import UsageTotals, usage_report
from modelyard.workspace import price_history
from modelyard.workspace.actor import Actor
from modelyard.workspace.catalog_store import active_catalog
from modelyard.workspace.price_history import PriceOut
from modelyard.workspace.schemas import DeploymentOut, ModelOut

WINDOWS = (("md_last_24h", timedelta(hours=24)), ("md_last_30d", timedelta(days=30)))
PRICES_SHOWN = 5


@dataclass(frozen=True)
class DeploymentStatus:
    """One deployment as the router sees it now. ``state`` is ``ok``, ``cooling`` (sits out
    ``cooldown_s`` more seconds) or ``probing`` (failed ``failures`` times in a row: one call
    at a time tests it before it is trusted again)."""

    deployment: DeploymentOut
    state: str
    cooldown_s: int
    failures: int
    errors_last_hour: int
    tpm_in_use: int | None


@dataclass(frozen=True)
class CatalogFacts:
    """Where a pre-configured model's settings come from, and whether that entry is current."""

    catalog_id: str
    entry: CatalogEntry | None
    status: str | None

    @property
    def deprecated(self) -> bool:
        return self.entry is not None and self.entry.deprecated


@dataclass(frozen=True)
class DayTwo:
    deployments: list[DeploymentStatus]
    usage: list[tuple[str, UsageTotals]]
    catalog: CatalogFacts | None
    prices: list[PriceOut]
    price_count: int


def usage_of(
    session: Session, workspace_id: str, model_id: str, now: datetime
) -> list[tuple[str, UsageTotals]]:
    """(label key, totals) of the model for each window, through the Usage page's report."""
    out = []
    for label, span in WINDOWS:
        rows = usage_report(session, workspace_id, "model", now - span, now)
        found = next((row.totals for row in rows if row.key == model_id), UsageTotals())
        out.append((label, found))
    return out


def _tpm_in_use(limits: LimitStore, deployment: DeploymentOut) -> int | None:
    """Tokens reserved or used in the current minute (None without a limit). Called from the
    worker thread a sync page runs in: the limit store lives on the server's event loop."""
    if deployment.tpm_limit is None:
        return None
    remaining = anyio.from_thread.run(limits.remaining, deployment.id, deployment.tpm_limit)
    return max(0, deployment.tpm_limit - remaining)


def gather(
    session: Session,
    actor: Actor,
    model: ModelOut,
    health: HealthBook,
    limits: LimitStore,
    now: datetime | None = None,
) -> DayTwo:
    """Everything the model page's status sections show (a sync page's worker thread only)."""
    now = now or datetime.now(UTC)
    statuses = []
    for dep in model.deployments:
        seen = health.view(dep.id)
        state = "cooling" if seen.cooldown_s > 0 else "probing" if seen.probing else "ok"
        statuses.append(
            DeploymentStatus(
                deployment=dep,
                state=state,
                cooldown_s=int(seen.cooldown_s + 0.999),
                failures=seen.failures,
                errors_last_hour=seen.errors_last_hour,
                tpm_in_use=_tpm_in_use(limits, dep),
            )
        )
    catalog = None
    if model.catalog_id is not None:
        entry = active_catalog(session).get(model.catalog_id)
        catalog = CatalogFacts(model.catalog_id, entry, model.catalog_status)
    prices = price_history.list_prices(session, actor, model.id)
    return DayTwo(
        deployments=statuses,
        usage=usage_of(session, actor.workspace_id, model.id, now),
        catalog=catalog,
        prices=list(reversed(prices))[:PRICES_SHOWN],
        price_count=len(prices),
    )
