"""The long-lived parts of a running Modelyard, built once from settings and shared by every
entry point: the database engine and session factory, the secret box, the configuration
cache and upstream client of the gateway, the meter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from modelyard.providers.http import UpstreamClient
from modelyard.routing.budgets import BudgetGuard, Reconciler, make_ledger
from modelyard.routing.budgets.runtime import BudgetRuntime
from modelyard.routing.config_store import ConfigStore
from modelyard.routing.health import HealthBook
from modelyard.routing.limits import make_limit_store
from modelyard.routing.router import Router
from modelyard.security import SecretBox
from modelyard.settings import Settings
from modelyard.storage.engine import make_engine, make_session_factory
from modelyard.storage.migrate import upgrade
from modelyard.usage.budget_alerts import BudgetAlerts
from modelyard.usage.recorder import UsageRecorder

if TYPE_CHECKING:
    from modelyard.catalog.refresh import RefreshContext


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    secret_box: SecretBox
    config: ConfigStore
    upstream: UpstreamClient
    meter: UsageRecorder
    router: Router
    budgets: BudgetRuntime

    @classmethod
    def build(cls, settings: Settings, *, migrate: bool = True) -> Services:
        """Connect (creating the data directory for SQLite) and bring the schema up to date."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        if migrate:
            upgrade(engine)
        sessions = make_session_factory(engine)
        box = SecretBox.from_settings(settings)
        config = ConfigStore(sessions, box)
        services = cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            secret_box=box,
            config=config,
            upstream=UpstreamClient(
                settings.allowed_upstream_hosts,
                timeout=settings.upstream_timeout,
                proxies=settings.egress_proxies,
                ca_bundle=settings.ca_bundle,
            ),
            meter=UsageRecorder(engine, settings.data_dir / "usage-journal"),
            router=Router(
                make_limit_store(settings.redis_url, settings.workers, settings.replicas),
                HealthBook(),
                deadline_s=settings.request_deadline,
            ),
            budgets=_budgets(settings, sessions, box, config),
        )
        _catalog_schedule(settings, engine, sessions, config)
        if settings.usage_retention_days is not None:
            from modelyard.usage.retention import UsageRetention

            config.companions.append(UsageRetention(engine, settings.usage_retention_days))
        return services

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _budgets(
    settings: Settings, sessions: sessionmaker[Session], box: SecretBox, config: ConfigStore
) -> BudgetRuntime:
    """The ledger (Redis when configured), its reconciliation from the usage records on every
    snapshot load and periodically, and the alerts it reports crossings to; started and
    stopped with the configuration store."""
    alerts = BudgetAlerts(sessions, box, settings.allowed_upstream_hosts)
    ledger = make_ledger(
        settings.redis_url, settings.workers, settings.replicas, on_cross=alerts.crossed
    )
    reconciler = Reconciler(sessions, ledger, config.loaded)
    runtime = BudgetRuntime(BudgetGuard(ledger), reconciler, alerts)
    config.on_load = reconciler.sync
    config.companions.append(runtime)
    return runtime


def _catalog_schedule(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session], config: ConfigStore
) -> None:
    """With ``MODELYARD_CATALOG_URL``, refresh the catalog in the background of ``serve``."""
    if settings.catalog_url:
        from modelyard.catalog.refresh_schedule import CatalogSchedule

        config.companions.append(CatalogSchedule(refresh_context(settings, engine, sessions)))


def refresh_context(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> RefreshContext:
    """What a catalog refresh needs from this server (the scheduler's and the API's)."""
    from modelyard.catalog.refresh import RefreshContext

    return RefreshContext(
        engine=engine,
        sessions=sessions,
        url=settings.catalog_url,
        allowed_hosts=settings.allowed_upstream_hosts,
        lock_dir=settings.data_dir,
        interval=timedelta(hours=settings.catalog_refresh_hours),
    )
