"""Routing one call: the model's deployments, then its fallback chain, within TPM limits, around
unhealthy deployments, with a bounded, jittered retry, all under one deadline.

Order of attempts: the primary model's usable deployments (most remaining TPM first, then in
turn), then each fallback model's. A model in maintenance, a deployment over its limit or
cooling down is skipped; an upstream 429, 5xx, 529, timeout or connection error moves on to the
next deployment; a prompt that does not fit a model's context window moves on to the next model.
A fallback never leaves the primary's region (EU stays EU, US stays US) unless the primary
allows it. When a whole pass failed only for reasons that pass (limits, cooldowns), one more
pass runs after a short jittered wait (until the earliest limit or cooldown lifts), if the
deadline leaves time for it; failing or hung upstreams are not retried beyond the chain.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from modelyard.errors import (
    BadRequest,
    ModelyardError,
    RateLimited,
    Unavailable,
    UpstreamError,
    UpstreamTimeout,
)
from modelyard.routing.dispatch import name_model
from modelyard.routing.health import HealthBook
from modelyard.routing.limits import LimitStore, Reservation
from modelyard.routing.snapshot import DeploymentConfig, ModelConfig, WorkspaceConfig

T = TypeVar("T")

MAX_PASSES = 2
MAX_RETRY_WAIT_S = 5.0
# Retry-After on a model in maintenance: it has no announced end, so 5 minutes keeps clients
# from hammering a paused model while they still notice soon after an admin resumes it.
MAINTENANCE_RETRY_AFTER_S = 300
_CONTEXT_WORDS = (
    "context length",
    "context window",
    "too long",
    "maximum context",
    "too many tokens",
)


@dataclass
class Routed(Generic[T]):
    """The answer and where it came from; ``reservation`` is settled by the caller."""

    value: T
    model: ModelConfig
    deployment: DeploymentConfig
    path: list[str]
    reservation: Reservation | None


@dataclass
class _Trail:
    path: list[str] = field(default_factory=list)
    limited_retry: float | None = None
    context_error: ModelyardError | None = None
    upstream_error: ModelyardError | None = None
    other_error: ModelyardError | None = None
    retryable: bool = False

    def limited(self, retry_after: float) -> None:
        self.limited_retry = (
            retry_after if self.limited_retry is None else min(self.limited_retry, retry_after)
        )

    def final_error(self, primary: ModelConfig) -> ModelyardError:
        """The most telling error, worded for members (it names the model they called); the
        deployments tried and what each did stay in the detail, for admins and the logs."""
        if self.upstream_error is not None and not isinstance(self.upstream_error, RateLimited):
            return self.presented(self.upstream_error, primary)
        if self.limited_retry is not None or isinstance(self.upstream_error, RateLimited):
            retry = self.limited_retry if self.limited_retry is not None else 1.0
            upstream_retry = (
                self.upstream_error.retry_after
                if isinstance(self.upstream_error, RateLimited)
                else None
            )
            if upstream_retry is not None:
                retry = min(retry, upstream_retry)
            upstream = self.upstream_error.admin_message if self.upstream_error else None
            return RateLimited(
                f"Every deployment of '{primary.slug}' and of its fallbacks is at its limit; "
                f"retry in {max(1, round(retry))} s.",
                retry_after=retry,
                code="rate_limited",
                detail="; ".join(filter(None, [upstream, self.tried()])),
            )
        if self.context_error is not None:
            if self.context_error.detail is not None:  # the provider's words: not for members
                self.context_error.message = (
                    f"The prompt does not fit the context window of '{primary.slug}' "
                    "(nor of its fallbacks): shorten it or choose a model with a larger one."
                )
            return self.presented(self.context_error, primary)
        if self.other_error is not None:
            return self.other_error
        return Unavailable(f"No deployment of '{primary.slug}' can take the call now.")

    def tried(self) -> str:
        return f"tried {', '.join(self.path)}" if self.path else ""

    def presented(self, error: ModelyardError, primary: ModelConfig) -> ModelyardError:
        """An upstream-born error (one with a detail) named for the member, the trail added."""
        if error.detail is not None:
            name_model(error, primary.slug)
            if self.path and "; tried " not in error.detail:
                error.detail = f"{error.detail}; {self.tried()}"
        return error


def is_context_overflow(error: ModelyardError) -> bool:
    if error.code == "context_length_exceeded":
        return True
    message = error.admin_message.lower()  # the provider's own words are in the detail
    return isinstance(error, BadRequest) and any(word in message for word in _CONTEXT_WORDS)


class Router:
    def __init__(self, limits: LimitStore, health: HealthBook, deadline_s: float = 120.0) -> None:
        self.limits = limits
        self.health = health
        self.deadline_s = deadline_s
        self._turn: dict[str, int] = {}

    def chain(self, config: WorkspaceConfig, primary: ModelConfig) -> list[ModelConfig]:
        """The primary and its fallbacks (same kind, same region unless allowed)."""
        models = [primary]
        for fallback_id in primary.fallback_ids:
            fallback = config.models_by_id.get(fallback_id)
            if fallback is None or fallback.kind != primary.kind:
                continue
            if (
                primary.region != "Global"
                and fallback.region != primary.region
                and not primary.allow_cross_region_fallback
            ):
                continue
            models.append(fallback)
        return models

    async def _ordered(self, model: ModelConfig) -> list[DeploymentConfig]:
        """Usable deployments: most remaining TPM first, ties taken in turn."""
        usable = [d for d in model.deployments if self.health.usable(d.id)]
        if len(usable) < 2:
            return usable
        turn = self._turn.get(model.id, 0)
        self._turn[model.id] = turn + 1
        rotated = usable[turn % len(usable) :] + usable[: turn % len(usable)]
        if not any(d.tpm_limit for d in rotated):
            return rotated
        remaining = {
            d.id: await self.limits.remaining(d.id, d.tpm_limit) if d.tpm_limit else 1 << 62
            for d in rotated
        }
        return sorted(rotated, key=lambda d: -remaining[d.id])  # stable: keeps the rotation

    async def route(
        self,
        chain: list[ModelConfig],
        prepare: Callable[[ModelConfig], int],
        attempt: Callable[[ModelConfig, DeploymentConfig], Awaitable[T]],
        path: list[str] | None = None,
    ) -> Routed[T]:
        """Try the chain until one deployment answers; raise the most telling error if none.

        ``prepare(model)`` returns the tokens to reserve (and may refuse the model, e.g. when
        the prompt does not fit it); ``attempt`` makes the upstream call. Every step taken is
        appended to ``path`` (kept by the caller, so it survives a failure).
        """
        deadline = time.monotonic() + self.deadline_s
        trail = _Trail(path if path is not None else [])
        for pass_number in range(MAX_PASSES):
            if pass_number:
                wait = self._retry_wait(chain, trail, deadline)
                if wait is None:
                    break
                await asyncio.sleep(wait)
                trail.retryable = False
            for index, model in enumerate(chain):
                routed = await self._try_model(model, index == 0, prepare, attempt, trail)
                if routed is not None:
                    return routed
            if not trail.retryable:
                break
        raise trail.final_error(chain[0])

    def _retry_wait(self, chain: list[ModelConfig], trail: _Trail, deadline: float) -> float | None:
        if not trail.retryable:
            return None
        cooldowns = [self.health.cooling_down(d.id) for m in chain for d in m.deployments]
        waits = [w for w in cooldowns if w > 0]
        if trail.limited_retry is not None:
            waits.append(trail.limited_retry)
        wait = (min(waits) if waits else 0.05) * random.uniform(1.0, 1.2)
        if wait > MAX_RETRY_WAIT_S or time.monotonic() + wait >= deadline:
            return None
        return wait

    async def _try_model(
        self,
        model: ModelConfig,
        primary: bool,
        prepare: Callable[[ModelConfig], int],
        attempt: Callable[[ModelConfig, DeploymentConfig], Awaitable[T]],
        trail: _Trail,
    ) -> Routed[T] | None:
        if model.maintenance:
            trail.path.append(f"{model.slug}:maintenance")
            trail.other_error = trail.other_error or Unavailable(
                f"The model '{model.slug}' is in maintenance mode and not available right now. "
                "Please try again later or choose another model.",
                code="model_in_maintenance",
                retry_after=MAINTENANCE_RETRY_AFTER_S,
            )
            return None
        if not model.deployments:
            trail.path.append(f"{model.slug}:no-deployment")
            trail.other_error = trail.other_error or Unavailable(
                f"The model '{model.slug}' has no deployment yet; an admin must add one.",
                code="no_deployment",
            )
            return None
        try:
            tokens = prepare(model)
        except ModelyardError as exc:
            if is_context_overflow(exc):
                trail.path.append(f"{model.slug}:context")
                trail.context_error = trail.context_error or exc
                return None
            if primary:
                raise
            trail.path.append(f"{model.slug}:unsuitable")
            return None
        deployments = await self._ordered(model)
        skipped = [d for d in model.deployments if d not in deployments]
        for deployment in skipped:
            trail.path.append(f"{model.slug}/{deployment.id}:cooldown")
            trail.limited(max(self.health.cooling_down(deployment.id), 1.0))
            trail.retryable = True
        for deployment in deployments:
            routed = await self._try_deployment(model, deployment, tokens, attempt, trail)
            if routed is not None:
                return routed
        return None

    async def _try_deployment(
        self,
        model: ModelConfig,
        deployment: DeploymentConfig,
        tokens: int,
        attempt: Callable[[ModelConfig, DeploymentConfig], Awaitable[T]],
        trail: _Trail,
    ) -> Routed[T] | None:
        where = f"{model.slug}/{deployment.id}"
        reservation: Reservation | None = None
        if deployment.tpm_limit:
            reservation = await self.limits.reserve(deployment.id, tokens, deployment.tpm_limit)
            if not reservation.admitted:
                trail.path.append(f"{where}:tpm-limit")
                trail.limited(reservation.retry_after)
                trail.retryable = True
                return None
        self.health.begin(deployment.id)
        try:
            value = await attempt(model, deployment)
        except (RateLimited, UpstreamError) as exc:
            await self._release(reservation)
            limited = isinstance(exc, RateLimited)
            self.health.failure(
                deployment.id, exc.retry_after if isinstance(exc, RateLimited) else None
            )
            outcome = (
                "429"
                if isinstance(exc, RateLimited)
                else "timeout"
                if isinstance(exc, UpstreamTimeout)
                else "error"
            )
            trail.path.append(f"{where}:{outcome}")
            trail.upstream_error = exc
            # Only limits pass with time; a failing or hung upstream is not waited for again.
            trail.retryable = trail.retryable or limited
            return None
        except ModelyardError as exc:
            await self._release(reservation)
            self.health.success(deployment.id)
            if is_context_overflow(exc):
                trail.path.append(f"{where}:context")
                trail.context_error = trail.context_error or exc
                return None
            trail.path.append(f"{where}:refused")
            raise trail.presented(exc, model) from None
        except BaseException:
            await self._release(reservation)
            raise
        self.health.success(deployment.id)
        trail.path.append(where)
        return Routed(value, model, deployment, trail.path, reservation)

    async def _release(self, reservation: Reservation | None) -> None:
        if reservation is not None:
            await self.limits.release(reservation)

    async def settle(self, routed: Routed[T], actual_tokens: int) -> None:
        """Replace the reserved tokens by what the call really used."""
        if routed.reservation is not None:
            await self.limits.settle(routed.reservation, actual_tokens)
