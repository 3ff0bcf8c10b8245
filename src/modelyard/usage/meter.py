"""The metering hook: every gateway call, successful or not, is handed over as one record.

The gateway builds a :class:`CallRecord`; whatever :class:`Meter` the app was built with takes
it (the usage recorder stores them; tests may collect them). ``record`` must not block.
"""

from __future__ import annotations

import itertools
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from modelyard.llm_types import Usage
from modelyard.usage.cost import UnitPrices


class _RecordIds:
    """``use_`` + 16 random hex digits drawn once per process + an 8-digit counter: unique like
    24 random digits would be, without a trip to the kernel's random source on every call (a
    forked worker draws its own prefix)."""

    def __init__(self) -> None:
        self._renew()
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._count = itertools.count()

    def __call__(self) -> str:
        number = next(self._count)
        if number > 0xFFFFFFFF:
            self._renew()
            number = next(self._count)
        return f"use_{self._prefix}{number:08x}"


new_record_id = _RecordIds()


@dataclass(slots=True)
class CallRecord:
    """One call as it will be stored; ``id`` makes replaying a journal idempotent."""

    workspace_id: str
    user_id: str
    api_key_id: str | None
    endpoint: str  # "chat" | "embeddings" | "images"
    model_id: str | None
    model_slug: str | None
    deployment_id: str | None
    status: int
    usage: Usage
    prices: UnitPrices
    cost_usd: Decimal
    latency_ms: float
    started_at: datetime
    fallback_path: list[str] = field(default_factory=list)
    error: str | None = None
    stream: bool = False
    request_id: str | None = None
    is_test: bool = False  # an admin's live test of a model (wizard, model page)
    # Streams: milliseconds from the call's start until its first content went out.
    first_token_ms: float | None = None
    id: str = field(default_factory=new_record_id)


class Meter(Protocol):
    def begin(self, call: CallRecord) -> None:
        """Before an upstream attempt: the call as it stands if it never ends (its estimate)."""

    def record(self, call: CallRecord) -> None:
        """The call ended (same ``id`` as its ``begin``)."""


class MemoryMeter:
    """Keeps the last records in memory (the default until the durable recorder exists)."""

    def __init__(self, keep: int = 10_000) -> None:
        self.records: list[CallRecord] = []
        self.pending: dict[str, CallRecord] = {}
        self._keep = keep

    def begin(self, call: CallRecord) -> None:
        self.pending[call.id] = call

    def record(self, call: CallRecord) -> None:
        self.pending.pop(call.id, None)
        self.records.append(call)
        if len(self.records) > self._keep:
            del self.records[: len(self.records) - self._keep]
