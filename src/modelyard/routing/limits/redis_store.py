"""The limiter shared by every replica, in Redis; one atomic Lua script per operation.

See :mod:`.scripts` for the data layout. Each replica also registers a heartbeat in the sorted
set ``<prefix>replicas`` (scored by Redis time, refreshed every ``heartbeat_s`` by the task that
:meth:`RedisLimitStore.start` launches) and remembers how many replicas were seen in the last
``replicas_seen_s`` seconds. That number only matters when Redis is down.

Redis-down policy
-----------------
Every Redis call has a short deadline (connect 0.2 s, operation 0.2 s, no retries), so a dead
or unreachable Redis never hangs a request. When a call fails, the store enters *degraded*
mode: it logs one warning, sets :attr:`RedisLimitStore.degraded`, and answers from a local
:class:`~.memory.MemoryLimitStore` that enforces ``limit // replicas_last_seen`` (at least 1) of
every limit. Each replica enforcing its share keeps the total near the limit: never a silent
N-times limit, never a hang. While degraded, calls do not wait on Redis; at most one call per
``probe_interval_s`` (and every heartbeat) tries Redis again, and the first success logs one
info line and returns to Redis. Reservations made locally are settled locally; reservations
made in Redis that cannot be settled while it is down keep their reserved amount until they
age out (the conservative side). Local usage is not copied into Redis on recovery, so for one
window after an outage the total may exceed the limit by what was admitted locally.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import socket
import time
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from modelyard.routing.limits import scripts
from modelyard.routing.limits.base import DEFAULT_WINDOW_S, Reservation, check_amounts
from modelyard.routing.limits.memory import MemoryLimitStore

log = logging.getLogger(__name__)

_FAILURES = (RedisError, OSError, TimeoutError)


class RedisLimitStore:
    """Sliding-window token accounting shared through Redis, with a local fallback."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "modelyard:",
        connect_timeout: float = 0.2,
        op_timeout: float = 0.2,
        heartbeat_s: float = 5.0,
        replicas_seen_s: float = 15.0,
        probe_interval_s: float = 1.0,
    ) -> None:
        self._client: Redis = Redis.from_url(
            url,
            socket_connect_timeout=connect_timeout,
            socket_timeout=op_timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._prefix = prefix
        # One overall deadline as well: connect plus one round trip, whatever happens inside.
        self._deadline = connect_timeout + op_timeout + 0.05
        self._heartbeat_s = heartbeat_s
        self._replicas_seen_s = replicas_seen_s
        self._probe_interval_s = probe_interval_s
        self._reserve = self._client.register_script(scripts.RESERVE)
        self._settle = self._client.register_script(scripts.SETTLE)
        self._used = self._client.register_script(scripts.USED)
        self._register = self._client.register_script(scripts.HEARTBEAT)
        self._replica_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        member_prefix = secrets.token_hex(4)  # unique per store, so members never collide
        self._members = (f"{member_prefix}.{n:x}" for n in itertools.count())
        self._fallback = MemoryLimitStore()
        self._replicas = 1
        self._degraded = False
        self._epoch = 0  # bumped on every entry into degraded mode
        self._next_probe = 0.0
        self._heartbeat: asyncio.Task[None] | None = None

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and limits are enforced locally, per replica."""
        return self._degraded

    @property
    def replicas(self) -> int:
        """Replicas seen alive at the last successful heartbeat (1 before the first one)."""
        return self._replicas

    async def start(self) -> None:
        """Register this replica now, then keep its heartbeat fresh in the background."""
        if self._heartbeat is None:
            await self._beat()
            self._heartbeat = asyncio.create_task(self._beat_forever(), name="limit-heartbeat")

    async def reserve(
        self, key: str, tokens: int, limit: int, window_s: float = DEFAULT_WINDOW_S
    ) -> Reservation:
        check_amounts(tokens, limit, window_s)
        if self._should_try_redis():
            member = next(self._members)
            args = (tokens, limit, int(window_s * 1e6), member, int(window_s * 1000) + 1000)
            answer = await self._run(self._reserve, self._keys(key), args)
            if answer is not None:
                admitted, wait_us = bool(int(answer[0])), int(answer[1])
                if admitted:
                    return Reservation(key, tokens, True, member=member, origin="redis")
                return Reservation(key, tokens, False, retry_after=wait_us / 1e6, origin="redis")
        return await self._fallback.reserve(key, tokens, self._share(limit), window_s)

    async def settle(self, reservation: Reservation, actual_tokens: int) -> None:
        if actual_tokens < 0:
            raise ValueError(f"actual_tokens must not be negative, got {actual_tokens}")
        if reservation.origin == "memory":
            await self._fallback.settle(reservation, actual_tokens)
        elif reservation.admitted and self._should_try_redis():
            keys = self._keys(reservation.key)
            await self._run(self._settle, keys, (reservation.member, actual_tokens))

    async def release(self, reservation: Reservation) -> None:
        await self.settle(reservation, 0)

    async def remaining(self, key: str, limit: int, window_s: float = DEFAULT_WINDOW_S) -> int:
        check_amounts(0, limit, window_s)
        if self._should_try_redis():
            used = await self._run(self._used, self._keys(key), (int(window_s * 1e6),))
            if used is not None:
                return max(0, limit - int(used))
        return await self._fallback.remaining(key, self._share(limit), window_s)

    async def close(self) -> None:
        """Stop the heartbeat, unregister this replica (best effort) and close the client."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
            if not self._degraded:
                with contextlib.suppress(*_FAILURES):
                    async with asyncio.timeout(self._deadline):
                        await self._client.zrem(self._replicas_key, self._replica_id)
        await self._client.aclose()
        await self._fallback.close()

    # -- Redis calls and degraded mode ---------------------------------------------------------

    @property
    def _replicas_key(self) -> str:
        return f"{self._prefix}replicas"

    def _keys(self, key: str) -> tuple[str, str]:
        base = f"{self._prefix}tpm:{{{key}}}"
        return f"{base}:z", f"{base}:h"

    def _share(self, limit: int) -> int:
        return max(1, limit // self._replicas)

    def _should_try_redis(self) -> bool:
        """Healthy: always. Degraded: only the one call per probe interval that probes."""
        if not self._degraded:
            return True
        now = time.monotonic()
        if now < self._next_probe:
            return False
        self._next_probe = now + self._probe_interval_s
        return True

    async def _run(self, script: AsyncScript, keys: tuple[str, ...], args: tuple[Any, ...]) -> Any:
        """The script's answer, or None when Redis failed (and the store is now degraded)."""
        epoch = self._epoch
        try:
            async with asyncio.timeout(self._deadline):
                return_value = await script(keys=keys, args=args)
        except _FAILURES as exc:
            self._enter_degraded(exc)
            return None
        if self._degraded and epoch == self._epoch:
            # Only a call started after the outage began proves Redis is back.
            self._degraded = False
            log.info("Redis is reachable again; token limits are shared by all replicas again")
        return return_value

    def _enter_degraded(self, exc: BaseException) -> None:
        self._next_probe = time.monotonic() + self._probe_interval_s
        if self._degraded:
            return
        self._degraded = True
        self._epoch += 1
        log.warning(
            "Redis is unreachable (%s: %s); token limits are now enforced by each replica "
            "alone, at 1/%d of every limit, until Redis is back",
            type(exc).__name__,
            exc,
            self._replicas,
        )

    async def _beat(self) -> None:
        seen_us, ttl_ms = int(self._replicas_seen_s * 1e6), int(self._replicas_seen_s * 4e3)
        args = (self._replica_id, seen_us, ttl_ms)
        seen = await self._run(self._register, (self._replicas_key,), args)
        if seen is not None:
            self._replicas = max(1, int(seen))

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_s)
            try:
                await self._beat()
            except Exception:  # a bug here must not silently stop the heartbeat
                log.exception("limit store heartbeat failed")
