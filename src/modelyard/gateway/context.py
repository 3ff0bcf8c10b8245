"""What the gateway's handlers share, and the per-call meter that builds usage records."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from modelyard.errors import ModelyardError, Unauthenticated
from modelyard.gateway.responses.store import ResponseStore
from modelyard.llm_types import Usage
from modelyard.operations import tracing
from modelyard.providers.http import UpstreamClient
from modelyard.routing.budgets import BudgetGuard, Hold
from modelyard.routing.budgets.micro_cost import micro_cost
from modelyard.routing.budgets.periods import to_micro
from modelyard.routing.config_store import Caller, ConfigStore
from modelyard.routing.image_quota import ImageQuota
from modelyard.routing.router import Routed, Router
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig, WorkspaceConfig
from modelyard.services import Services
from modelyard.usage.cost import ZERO, cost_usd
from modelyard.usage.meter import CallRecord, Meter, new_record_id
from modelyard.usage.pending import UNKNOWN_ERROR, UNKNOWN_STATUS

T = TypeVar("T")


@dataclass
class GatewayContext:
    config: ConfigStore
    upstream: UpstreamClient
    router: Router
    quota: ImageQuota
    meter: Meter
    budgets: BudgetGuard
    responses: ResponseStore  # stored /v1/responses (gateway.responses.store)

    async def authenticate(self, authorization: str | None) -> Caller:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "Missing API key: send 'Authorization: Bearer <key>'.", code="missing_api_key"
            )
        return await self.config.caller(token.strip())


@dataclass
class CallMeter:
    """Collects one call's facts and hands exactly one record to the meter, success or not;
    before each upstream attempt (``upstream``), a pending record of the estimate, so that a
    process killed while the provider has the call still records it."""

    ctx: GatewayContext
    caller: Caller
    endpoint: str
    primary: ModelConfig
    started: float
    started_at: datetime
    stream: bool = False
    request_id: str | None = None
    path: list[str] = field(default_factory=list)
    id: str = field(default_factory=new_record_id)
    _estimates: dict[str | None, Usage] = field(default_factory=dict)
    _ended: bool = False
    _hold: Hold | None = None
    # ``time.perf_counter()`` when a stream sent its first content (set once, by the stream).
    first_token_at: float | None = None

    def expect(
        self,
        input_tokens: int,
        output_tokens: int = 0,
        images: int = 0,
        model: ModelConfig | None = None,
    ) -> None:
        """What the router reserves for the call (on ``model``, or on any): the pending
        record's usage."""
        usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens, images=images)
        self._estimates[model.id if model is not None else None] = usage

    async def admit(
        self,
        config: WorkspaceConfig,
        model: ModelConfig,
        prepare: Callable[[ModelConfig], object] | None = None,
    ) -> ModelConfig:
        """Reserve the call's estimated cost (``expect``'s, after ``prepare(model)``, priced
        with the model's prices) on every applying budget; the model to route to (a budget's
        fallback when one is exhausted, noted first in the path); 429 when refused."""

        def estimate(candidate: ModelConfig) -> int:
            if prepare is not None:
                # A model that cannot take the call is refused or passed over by the router.
                with contextlib.suppress(ModelyardError):
                    prepare(candidate)
            return micro_cost(self._estimate(candidate), candidate.prices)

        caller = self.caller
        try:
            routed, self._hold, why = await self.ctx.budgets.admit(
                config, caller.user_id, caller.api_key_id, model, estimate
            )
        except ModelyardError as exc:
            self.failed(exc)
            raise
        if why is not None:
            self.path.append(f"budget:{why}")
        return routed

    def upstream(
        self, attempt: Callable[[ModelConfig, DeploymentConfig], Awaitable[T]]
    ) -> Callable[[ModelConfig, DeploymentConfig], Awaitable[T]]:
        """``attempt`` with the pending record written just before each upstream call; an
        attempt ended by something else than a gateway error (cancelled, a bug) is recorded
        here, since the handler records only gateway errors."""
        if tracing.ON:  # each attempt a child span of the call's (deployment, outcome)
            attempt = tracing.traced_attempt(attempt)

        async def attempted(model: ModelConfig, deployment: DeploymentConfig) -> T:
            self._begin(model, deployment)
            try:
                return await attempt(model, deployment)
            except ModelyardError:
                raise
            except BaseException as exc:
                left = isinstance(exc, asyncio.CancelledError)
                usage = Usage(input_tokens=self._estimate(model).input_tokens)
                error = "The call was cancelled." if left else "The call failed unexpectedly."
                self._record(model, deployment.id, usage, 499 if left else 500, error)
                raise

        return attempted

    def _estimate(self, model: ModelConfig) -> Usage:
        estimates = self._estimates
        return estimates.get(model.id) or estimates.get(None) or Usage()

    def _call(
        self,
        model: ModelConfig,
        deployment_id: str | None,
        usage: Usage,
        status: int,
        error: str | None,
        **measured: Any,
    ) -> CallRecord:
        """The call's record as it stands; ``measured`` gives cost, latency and path."""
        return CallRecord(
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
            started_at=self.started_at,
            error=error,
            stream=self.stream,
            request_id=self.request_id,
            id=self.id,
            **measured,
        )

    def _begin(self, model: ModelConfig, deployment: DeploymentConfig) -> None:
        if self._ended:
            return
        self.ctx.meter.begin(
            self._call(
                model,
                deployment.id,
                self._estimate(model),
                UNKNOWN_STATUS,
                UNKNOWN_ERROR,
                cost_usd=ZERO,  # priced at replay, off the hot path
                latency_ms=0.0,
                fallback_path=[*self.path, f"{model.slug}/{deployment.id}"],
            )
        )

    def _record(
        self,
        model: ModelConfig,
        deployment_id: str | None,
        usage: Usage,
        status: int,
        error: str | None,
    ) -> None:
        if self._ended:  # one record per call
            return
        self._ended = True
        cost = cost_usd(usage, model.prices)
        first = self.first_token_at
        if self._hold is not None:  # the reservation becomes the real cost (0 on failure)
            self.ctx.budgets.ledger.settle(self._hold, to_micro(cost))  # as the row records
            self._hold = None
        self.ctx.meter.record(
            self._call(
                model,
                deployment_id,
                usage,
                status,
                error,
                cost_usd=cost,
                latency_ms=(time.perf_counter() - self.started) * 1000,
                fallback_path=list(self.path),
                first_token_ms=None if first is None else (first - self.started) * 1000,
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
        budgets=services.budgets.guard,
        responses=ResponseStore(services.sessions, services.settings.responses_retention_days),
    )
