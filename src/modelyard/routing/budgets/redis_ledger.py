"""The budget ledger shared by every replica, in Redis (layout and scripts in :mod:`.scripts`).

One script checks and reserves all of a call's budgets at once, so concurrent calls on any
number of replicas pass a budget by at most one call's reservation. A key that is missing
(first use, expired, evicted, deleted) is created from the spend the last reconciliation read
from the database (:meth:`reconcile`, off the hot path), and every reconciliation raises a key
to the database's spend if it is lower, so a lost key never forgets recorded spend.

Redis unreachable (every call has a short deadline): the ledger is *degraded* and admits from
a local ledger, per process, at most ``(amount - used) // expected`` on each budget, where
``used`` is spent plus reserved as Redis last reported it to this process and ``expected`` is
``MODELYARD_REPLICAS`` times the workers. Together the processes then admit at most what
remained at their last sync (plus one reservation each). A budget it never saw in Redis, or
without ``expected``, is refused (fail closed). Settles of holds made in Redis that fail are
lost from Redis until the next reconciliation brings the database's spend back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from modelyard.routing.budgets import scripts
from modelyard.routing.budgets.ledger import Hold, MemoryLedger, OnCross, Refusal, crossings
from modelyard.routing.budgets.periods import Period, Periods, from_micro
from modelyard.routing.snapshot import BudgetConfig

log = logging.getLogger(__name__)

_FAILURES = (RedisError, OSError, TimeoutError)
LAPSE_MS = 900_000  # an open reservation of a replica that died is released after this
KEY_TTL_AFTER_S = 86_400


class RedisLedger:
    def __init__(
        self,
        url: str,
        *,
        prefix: str = "modelyard:",
        expected: int | None = None,
        clock: Callable[[], float] = time.time,
        on_cross: OnCross | None = None,
        op_timeout: float = 0.2,
        probe_interval_s: float = 1.0,
    ) -> None:
        self._client: Redis = Redis.from_url(
            url,
            socket_connect_timeout=op_timeout,
            socket_timeout=op_timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self._deadline = 2 * op_timeout + 0.05
        self._prefix = prefix
        self._expected = expected or 0
        self.periods = Periods(clock)
        self.on_cross = on_cross
        self._reserve = self._client.register_script(scripts.RESERVE)
        self._settle = self._client.register_script(scripts.SETTLE)
        self._reconcile = self._client.register_script(scripts.RECONCILE)
        self._known: dict[tuple[str, int], int] = {}
        self._last_used: dict[tuple[str, int], int] = {}
        self._members = (f"{secrets.token_hex(4)}.{n:x}" for n in itertools.count())
        self._local = MemoryLedger(clock, on_cross, room=self._local_room)
        self._local.periods = self.periods
        self._degraded = False
        self._next_probe = 0.0
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def degraded(self) -> bool:
        return self._degraded

    def _key(self, workspace_id: str, period: Period) -> str:
        return f"{self._prefix}budget:{{{workspace_id}}}:{period.budget.id}:{period.start_ts}"

    def _ttl(self, period: Period, now: float) -> int:
        if period.resets_at is None:
            return 0
        return max(1, int(period.resets_ts - now) + KEY_TTL_AFTER_S)

    def _local_room(self, period: Period) -> int | None:
        used = self._last_used.get(period.key)
        if used is None or not self._expected:
            return None
        return max(0, period.amount - used) // self._expected

    async def reserve(
        self,
        workspace_id: str,
        budgets: Sequence[BudgetConfig],
        amount: int,
        unchecked: frozenset[str] = frozenset(),
    ) -> Hold | Refusal:
        now = self.periods.clock()
        periods = tuple(self.periods.current(b, now) for b in budgets)
        if self._degraded and time.monotonic() < self._next_probe:
            return self._local.admit(workspace_id, budgets, amount, unchecked)
        member = next(self._members)
        args: list[Any] = [int(now * 1000), amount, LAPSE_MS, member]
        for period in periods:
            limit = -1 if period.budget.id in unchecked else period.amount  # -1: never refuses
            args += [limit, self._known.get(period.key, 0), self._ttl(period, now)]
        keys = [self._key(workspace_id, p) for p in periods]
        try:
            async with asyncio.timeout(self._deadline):
                result = await self._reserve(keys=keys, args=args)
        except _FAILURES:
            self._degrade()
            return self._local.admit(workspace_id, budgets, amount, unchecked)
        self._recover()
        if result[0] == 0:
            index = int(result[1]) - 1
            self._last_used[periods[index].key] = int(result[2])
            return Refusal(periods[index])
        for period, used in zip(periods, result[1:], strict=True):
            self._last_used[period.key] = int(used)
        return Hold(workspace_id, periods, amount, member=member, local=False)

    def settle(self, hold: Hold, real: int) -> None:
        if hold.local:
            self._local.settle(hold, real)
            return
        if hold.settled:
            return
        hold.settled = True
        task = asyncio.get_running_loop().create_task(self._settle_remote(hold, real))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _settle_remote(self, hold: Hold, real: int) -> None:
        keys = [self._key(hold.workspace_id, p) for p in hold.periods]
        try:
            async with asyncio.timeout(self._deadline):
                after = await self._settle(keys=keys, args=[hold.member, hold.amount, real])
        except _FAILURES:
            self._degrade()
            return
        if self.on_cross is None:
            return
        for period, spent in zip(hold.periods, after, strict=True):
            spent = int(spent)
            for fraction, _ in crossings(period, spent - real, spent):
                self.on_cross(
                    hold.workspace_id, period.budget.id, fraction, from_micro(spent), period.start
                )

    async def reconcile(self, workspace_id: str, spent: Sequence[tuple[Period, int]]) -> None:
        """Raise each key to the database's spend (creating missing ones); remembered as the
        seed of keys created later."""
        self._local.merge(workspace_id, spent)
        now = self.periods.clock()
        keys: list[str] = []
        args: list[Any] = []
        for period, value in spent:
            self._known[period.key] = value
            keys.append(self._key(workspace_id, period))
            args += [value, self._ttl(period, now)]
        if not keys:
            return
        try:
            async with asyncio.timeout(self._deadline):
                await self._reconcile(keys=keys, args=args)
        except _FAILURES:
            self._degrade()

    def _degrade(self) -> None:
        if not self._degraded:
            log.warning("Redis unreachable: budgets are enforced locally at a share")
        self._degraded = True
        self._next_probe = time.monotonic() + 1.0

    def _recover(self) -> None:
        if self._degraded:
            log.info("Redis reachable again: budgets are shared again")
            self._degraded = False

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
        await self._client.aclose()
