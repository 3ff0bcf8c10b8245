"""What the gateway's handlers share, and the per-call meter that builds usage records."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modelyard.errors import ModelyardError, Unauthenticated
from modelyard.llm_types import Usage
from modelyard.providers.http import UpstreamClient
from modelyard.routing.config_store import Caller, ConfigStore
from modelyard.routing.image_quota import ImageQuota
from modelyard.routing.router import Routed, Router
from modelyard.routing.snapshot import ModelConfig
from modelyard.services import Services
from modelyard.usage.cost import cost_usd
from modelyard.usage.meter import CallRecord, Meter


@dataclass
class GatewayContext:
    config: ConfigStore
    upstream: UpstreamClient
    router: Router
    quota: ImageQuota
    meter: Meter

    async def authenticate(self, authorization: str | None) -> Caller:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "Missing API key: send 'Authorization: Bearer <key>'.", code="missing_api_key"
            )
        return await self.config.caller(token.strip())


@dataclass
class CallMeter:
    """Collects one call's facts and hands exactly one record to the meter, success or not."""

    ctx: GatewayContext
    caller: Caller
    endpoint: str
    primary: ModelConfig
    started: float
    started_at: datetime
    stream: bool = False
    path: list[str] = field(default_factory=list)

    def _record(
        self,
        model: ModelConfig,
        deployment_id: str | None,
        usage: Usage,
        status: int,
        error: str | None,
    ) -> None:
        self.ctx.meter.record(
            CallRecord(
                workspace_id=self.caller.workspace_id,
                user_id=self.caller.user_id,
                api_key_id=self.caller.api_key_id,
                endpoint=self.endpoint,
                model_id=model.id,
                model_slug=model.slug,
                deployment_id=deployment_id,
                status=status,
                usage=usage,
                prices=model.prices,
                cost_usd=cost_usd(usage, model.prices),
                latency_ms=(time.perf_counter() - self.started) * 1000,
                started_at=self.started_at,
                fallback_path=list(self.path),
                error=error,
                stream=self.stream,
            )
        )

    def done(self, routed: Routed[Any], usage: Usage, error: ModelyardError | None = None) -> None:
        status = error.status if error is not None else 200
        self._record(
            routed.model, routed.deployment.id, usage, status, error.message if error else None
        )

    def failed(self, error: ModelyardError) -> None:
        self._record(self.primary, None, Usage(), error.status, error.message)


def routed_headers(routed: Routed[Any]) -> dict[str, str]:
    """Which model (after fallbacks) and deployment answered."""
    return {"x-modelyard-model": routed.model.slug, "x-modelyard-deployment": routed.deployment.id}


def gateway_context(services: Services) -> GatewayContext:
    """The gateway's share of the running services."""
    return GatewayContext(
        config=services.config,
        upstream=services.upstream,
        router=services.router,
        quota=ImageQuota(services.sessions),
        meter=services.meter,
    )
