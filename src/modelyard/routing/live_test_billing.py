"""What a live model test spends: each of its upstream calls priced by the model's prices in
force and handed to the services' meter as a test call (``CallRecord.is_test``), exactly as the
gateway meters members' calls, so the money shows up in Usage, flagged as a test."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from modelyard.errors import ModelyardError
from modelyard.llm_types import Usage
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig
from modelyard.usage.cost import ZERO, cost_usd
from modelyard.usage.meter import CallRecord, Meter
from modelyard.usage.pending import UNKNOWN_ERROR, UNKNOWN_STATUS

Answer = TypeVar("Answer")


@dataclass(frozen=True, slots=True)
class LiveTestPayer:
    """Who ran the test and where its calls are recorded (``Services.meter``)."""

    meter: Meter
    workspace_id: str
    user_id: str


class LiveTestBill:
    """Meters every call of one live test of ``model``; ``spent`` adds them up by deployment."""

    def __init__(self, model: ModelConfig, payer: LiveTestPayer | None) -> None:
        self.model = model
        self.payer = payer
        self.spent: dict[str, Decimal] = {}

    @property
    def total(self) -> Decimal:
        return sum(self.spent.values(), ZERO)

    async def call(
        self,
        deployment: DeploymentConfig,
        endpoint: str,
        send: Callable[[], Awaitable[Answer]],
        usage_of: Callable[[Answer], Usage],
    ) -> Answer:
        """``send()`` as one metered call: recorded when it ends, failed or not."""
        started, started_at = time.perf_counter(), datetime.now(UTC)
        record = self._record(deployment, endpoint, started_at)
        if record is not None and self.payer is not None:
            self.payer.meter.begin(record)
        try:
            answer = await send()
        except ModelyardError as exc:
            self._end(record, deployment, Usage(), started, exc.status, exc.message)
            raise
        self._end(record, deployment, usage_of(answer), started, 200, None)
        return answer

    def _record(
        self, deployment: DeploymentConfig, endpoint: str, started_at: datetime
    ) -> CallRecord | None:
        if self.payer is None:
            return None
        return CallRecord(
            workspace_id=self.payer.workspace_id,
            user_id=self.payer.user_id,
            api_key_id=None,
            endpoint=endpoint,
            model_id=self.model.id,
            model_slug=self.model.slug,
            deployment_id=deployment.id,
            status=UNKNOWN_STATUS,  # what a kill before the answer leaves recorded
            error=UNKNOWN_ERROR,
            usage=Usage(),
            prices=self.model.prices,
            cost_usd=ZERO,
            latency_ms=0.0,
            started_at=started_at,
            fallback_path=[f"{self.model.slug}/{deployment.id}"],
            is_test=True,
        )

    def _end(
        self,
        record: CallRecord | None,
        deployment: DeploymentConfig,
        usage: Usage,
        started: float,
        status: int,
        error: str | None,
    ) -> None:
        cost = cost_usd(usage, self.model.prices)
        self.spent[deployment.id] = self.spent.get(deployment.id, ZERO) + cost
        if record is None or self.payer is None:
            return
        record.usage, record.cost_usd, record.status, record.error = usage, cost, status, error
        record.latency_ms = (time.perf_counter() - started) * 1000
        self.payer.meter.record(record)
