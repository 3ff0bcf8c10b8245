"""Deployment health: cooldowns after failures, and a single probe before trusting one again.

A deployment that answered 429, 5xx or timed out cools down (honouring ``retry-after``); after
``PROBE_AFTER`` failures in a row, it is used again only through one probe at a time until a
call succeeds. Per process: each replica learns from what it sees, which is enough to steer
traffic away from a failing endpoint within a call or two.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

BASE_COOLDOWN_S = 1.0
MAX_COOLDOWN_S = 60.0
PROBE_AFTER = 3
ERRORS_KEPT = 10_000  # failure times kept per deployment, for "errors in the last hour"
ERROR_WINDOW_S = 3600.0


@dataclass(slots=True)
class _State:
    failures: int = 0
    cooldown_until: float = 0.0
    probing: bool = False


class HealthBook:
    def __init__(self) -> None:
        self._states: dict[str, _State] = {}
        # When each deployment failed (monotonic seconds, newest last): an O(1) append on the
        # failure path only, read by the model page.
        self._errors: dict[str, deque[float]] = {}

    def usable(self, deployment_id: str, now: float | None = None) -> bool:
        """Not cooling down, and not already being probed after repeated failures."""
        state = self._states.get(deployment_id)
        if state is None:
            return True
        now = time.monotonic() if now is None else now
        if now < state.cooldown_until:
            return False
        return not (state.failures >= PROBE_AFTER and state.probing)

    def begin(self, deployment_id: str) -> None:
        """A call starts; after repeated failures it is the probe, and the only one."""
        state = self._states.get(deployment_id)
        if state is not None and state.failures >= PROBE_AFTER:
            state.probing = True

    def success(self, deployment_id: str) -> None:
        self._states.pop(deployment_id, None)

    def failure(self, deployment_id: str, retry_after: float | None = None) -> None:
        state = self._states.setdefault(deployment_id, _State())
        state.failures += 1
        state.probing = False
        backoff = min(MAX_COOLDOWN_S, BASE_COOLDOWN_S * 2 ** (state.failures - 1))
        now = time.monotonic()
        state.cooldown_until = now + max(backoff, retry_after or 0.0)
        self._errors.setdefault(deployment_id, deque(maxlen=ERRORS_KEPT)).append(now)

    def cooling_down(self, deployment_id: str) -> float:
        """Seconds left in the cooldown (0 when usable)."""
        state = self._states.get(deployment_id)
        return 0.0 if state is None else max(0.0, state.cooldown_until - time.monotonic())

    def view(self, deployment_id: str) -> HealthView:
        """The deployment's health now, read without changing it (for the model page)."""
        since = time.monotonic() - ERROR_WINDOW_S
        errors = sum(1 for at in self._errors.get(deployment_id, ()) if at >= since)
        state = self._states.get(deployment_id)
        if state is None:
            return HealthView(0, 0.0, False, errors)
        probing = state.failures >= PROBE_AFTER
        return HealthView(state.failures, self.cooling_down(deployment_id), probing, errors)


@dataclass(frozen=True, slots=True)
class HealthView:
    """What an admin sees of one deployment in this process: failures in a row, seconds of
    cooldown left, whether it is trusted again only through a single probe, and how many
    calls to it failed in the last hour."""

    failures: int
    cooldown_s: float
    probing: bool
    errors_last_hour: int = 0
