"""The limiter shared by every replica, in Redis; one atomic Lua script per operation.

See :mod:`.scripts` for the data layout. Every process (a replica, or one worker of
``serve --workers N``) registers in the hash ``<prefix>limiter:replicas`` with a heartbeat
every ``heartbeat_s`` (the task :meth:`RedisLimitStore.start` launches, or the first call).

The bound
---------
Each beat records the process's *share* ``d = max(expected, known)`` (``expected``: the
``replicas`` setting times ``workers``, when set; ``known``: processes registered and not
forgotten) and returns its *grant*: the part of each limit the processes that reach Redis may
admit together. It is 1 minus ``1/d`` for each silent process (no beat for ``replicas_seen_s``:
it runs locally at its recorded share), minus ``1/expected`` for each expected process never
seen (``expected - known``: they run at ``1/expected``). A process that loses Redis admits
``limit // d`` locally; one that never reached it admits ``limit // expected``, or nothing
without ``expected`` (fail-closed: it cannot know its share). So the local shares and the
grant add up to at most the limit, in every window: admitted tokens stay within the limit plus
one request per store (the shared window and each local one).

Two transitions, bounded: when a process loses Redis, the others learn it within
``replicas_seen_s + heartbeat_s`` and the shared window still holds what they admitted before,
so for that time plus one window the total may exceed the limit by that process's share. When
it comes back, its first beat asks to stay counted at its share for one more window (the
*hold*), so what it admitted locally is never granted again in Redis: no excess on recovery.
Silent processes are forgotten after ``forget_s`` (a crashed one then stops costing capacity);
a process cut off from Redis for longer exceeds the bound by its share when ``expected`` is
unset (with it, a forgotten process counts among the ``1/expected`` slots).

Redis-down policy
-----------------
Every Redis call has a short deadline (connect 0.2 s, operation 0.2 s, no retries), so a dead
Redis never hangs a request. A failed call makes the store *degraded* (one warning, the
:attr:`RedisLimitStore.degraded` flag that ``/readyz``, the metric and the admin pages show);
it then answers from a local :class:`~.memory.MemoryLimitStore` at its share. At most one call
per ``probe_interval_s`` (and every heartbeat) tries a beat, and only a beat ends degraded
mode (one info line), so the store is back with a fresh grant and its hold. Reservations made
locally are settled locally; those made in Redis that cannot be settled keep their reserved
amount until they age out (the conservative side).
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
        expected: int | None = None,
        connect_timeout: float = 0.2,
        op_timeout: float = 0.2,
        heartbeat_s: float = 5.0,
        replicas_seen_s: float = 15.0,
        forget_s: float = 600.0,
        probe_interval_s: float = 1.0,
    ) -> None:
        self._client: Redis = Redis.from_url(
            url,
            socket_connect_timeout=connect_timeout,
            socket_timeout=op_timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._prefix = prefix
        self._expected = expected or 0
        # One overall deadline as well: connect plus one round trip, whatever happens inside.
        self._deadline = connect_timeout + op_timeout + 0.05
        self._heartbeat_s = heartbeat_s
        self._replicas_seen_s = replicas_seen_s
        self._forget_s = forget_s
        self._probe_interval_s = probe_interval_s
        self._reserve = self._client.register_script(scripts.RESERVE)
        self._settle = self._client.register_script(scripts.SETTLE)
        self._used = self._client.register_script(scripts.USED)
        self._register = self._client.register_script(scripts.HEARTBEAT)
        self._leave = self._client.register_script(scripts.LEAVE)
        self._replica_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        member_prefix = secrets.token_hex(4)  # unique per store, so members never collide
        self._members = (f"{member_prefix}.{n:x}" for n in itertools.count())
        self._fallback = MemoryLimitStore()
        self._share = self._expected  # local denominator; 0: refuse (share unknown)
        self._grant_ppm = 0  # the part of each limit granted in Redis, until the first beat
        self._replicas = 1
        self._registered = False
        self._degraded = False
        self._epoch = 0  # bumped on every entry into degraded mode
        self._local_window_s = 0.0  # the longest window of a local admission while degraded
        self._next_probe = 0.0
        self._heartbeat: asyncio.Task[None] | None = None

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and limits are enforced locally, per replica."""
        return self._degraded

    @property
    def replicas(self) -> int:
        """Processes known at the last successful heartbeat (1 before the first one)."""
        return self._replicas

    @property
    def share(self) -> int:
        """The denominator enforced locally while degraded; 0: limited calls are refused."""
        return self._share

    @property
    def granted(self) -> float:
        """The part of each limit the replicas reaching Redis grant (at the last beat)."""
        return self._grant_ppm / 1e6

    async def start(self) -> None:
        """Register this replica now, then keep its heartbeat fresh in the background."""
        if self._heartbeat is None:
            await self._beat()
            self._heartbeat = asyncio.create_task(self._beat_forever(), name="limit-heartbeat")

    async def ping(self) -> bool:
        """Whether Redis answers now (for ``/readyz``); the limiter's mode is left alone."""
        try:
            async with asyncio.timeout(self._deadline):
                return bool(await self._client.ping())
        except _FAILURES:
            return False

    async def reserve(
        self, key: str, tokens: int, limit: int, window_s: float = DEFAULT_WINDOW_S
    ) -> Reservation:
        check_amounts(tokens, limit, window_s)
        if await self._use_redis():
            member = next(self._members)
            args = (
                tokens,
                self._granted_of(limit),
                int(window_s * 1e6),
                member,
                int(window_s * 1000) + 1000,
            )
            answer = await self._run(self._reserve, self._keys(key), args)
            if answer is not None:
                admitted, wait_us = bool(int(answer[0])), int(answer[1])
                if admitted:
                    return Reservation(key, tokens, True, member=member, origin="redis")
                return Reservation(key, tokens, False, retry_after=wait_us / 1e6, origin="redis")
        if not self._share:
            return Reservation(key, tokens, False, retry_after=self._probe_interval_s)
        local = await self._fallback.reserve(key, tokens, self._local_of(limit), window_s)
        if local.admitted:
            self._local_window_s = max(self._local_window_s, window_s)
        return local

    async def settle(self, reservation: Reservation, actual_tokens: int) -> None:
        if actual_tokens < 0:
            raise ValueError(f"actual_tokens must not be negative, got {actual_tokens}")
        if reservation.origin == "memory":
            await self._fallback.settle(reservation, actual_tokens)
        elif reservation.admitted and not self._degraded:
            keys = self._keys(reservation.key)
            await self._run(self._settle, keys, (reservation.member, actual_tokens))

    async def release(self, reservation: Reservation) -> None:
        await self.settle(reservation, 0)

    async def remaining(self, key: str, limit: int, window_s: float = DEFAULT_WINDOW_S) -> int:
        check_amounts(0, limit, window_s)
        if await self._use_redis():
            used = await self._run(self._used, self._keys(key), (int(window_s * 1e6),))
            if used is not None:
                return max(0, self._granted_of(limit) - int(used))
        if not self._share:
            return 0
        return await self._fallback.remaining(key, self._local_of(limit), window_s)

    async def close(self) -> None:
        """Stop the heartbeat, unregister this replica (best effort) and close the client."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        if self._registered and not self._degraded:
            with contextlib.suppress(*_FAILURES):
                async with asyncio.timeout(self._deadline):
                    await self._leave(keys=(self._replicas_key,), args=(self._replica_id,))
        await self._client.aclose()
        await self._fallback.close()

    # -- Redis calls and degraded mode ---------------------------------------------------------

    @property
    def _replicas_key(self) -> str:
        return f"{self._prefix}limiter:replicas"

    def _keys(self, key: str) -> tuple[str, str]:
        base = f"{self._prefix}tpm:{{{key}}}"
        return f"{base}:z", f"{base}:h"

    def _granted_of(self, limit: int) -> int:
        return max(1, limit * self._grant_ppm // 1_000_000)

    def _local_of(self, limit: int) -> int:
        return max(1, limit // self._share)

    async def _use_redis(self) -> bool:
        """Healthy: always. Otherwise (degraded, or never registered) only when a beat, tried
        at most once per probe interval, succeeds: it brings the grant to use."""
        if self._registered and not self._degraded:
            return True
        now = time.monotonic()
        if now < self._next_probe:
            return False
        self._next_probe = now + self._probe_interval_s
        return await self._beat()

    async def _run(self, script: AsyncScript, keys: tuple[str, ...], args: tuple[Any, ...]) -> Any:
        """The script's answer, or None when Redis failed (and the store is now degraded)."""
        try:
            async with asyncio.timeout(self._deadline):
                return await script(keys=keys, args=args)
        except _FAILURES as exc:
            self._enter_degraded(exc)
            return None

    def _enter_degraded(self, exc: BaseException) -> None:
        self._next_probe = time.monotonic() + self._probe_interval_s
        if self._degraded:
            return
        self._degraded = True
        self._epoch += 1
        if self._share:
            policy = f"by each replica alone, at 1/{self._share} of every limit"
        else:
            policy = "not at all: calls to limited deployments are refused (no share is known"
            policy += " before Redis answered once; set MODELYARD_REPLICAS)"
        log.warning(
            "Redis is unreachable (%s: %s); token limits are now enforced %s, until Redis is back",
            type(exc).__name__,
            exc,
            policy,
        )

    async def _beat(self) -> bool:
        """Register (with the hold after local admissions); True when Redis answered."""
        epoch, degraded = self._epoch, self._degraded
        hold_us = int(self._local_window_s * 1e6) if degraded else 0
        args = (
            self._replica_id,
            int(self._replicas_seen_s * 1e6),
            int(self._forget_s * 1e6),
            self._expected,
            hold_us,
            max(1, self._share),
            int(self._forget_s * 1000) + 60_000,
        )
        answer = await self._run(self._register, (self._replicas_key,), args)
        if answer is None:
            return False
        if epoch != self._epoch:
            return False  # an outage began while this beat was on its way: it proves nothing
        share, grant_ppm, known = int(answer[0]), int(answer[1]), int(answer[2])
        self._share, self._grant_ppm, self._replicas = share, grant_ppm, max(1, known)
        self._registered = True
        if degraded and self._degraded:
            self._degraded = False
            self._local_window_s = 0.0
            log.info("Redis is reachable again; token limits are shared by all replicas again")
        return True

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_s)
            try:
                await self._beat()
            except Exception:  # a bug here must not silently stop the heartbeat
                log.exception("limit store heartbeat failed")
