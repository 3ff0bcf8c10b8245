"""The budget ledger: reserve a call's estimated cost on every budget that applies, settle the
real cost after. This module holds the protocol and the in-memory ledger (one process).

Amounts are integer micro-dollars (rounded up), per ``(budget id, period start)``: integer
arithmetic is several times cheaper than ``Decimal`` on the hot path, and a key named by its
period start rolls over exactly at the boundary (a new key starts empty; the old one is
dropped). A reservation is all or nothing: either every applying budget has room for the
estimate, or none is touched. A budget is exhausted when ``spent + reserved + estimate`` passes
its amount (or nothing is left), so admitted spend passes a budget by at most one call's
reservation misestimate: the estimate is always held before the call goes upstream.
A hold that never settles (a lost stream, a bug) gives its reservation back after
:data:`LAPSE_S`; settling one hold twice changes nothing.

Reconciliation (:mod:`.reconcile`) gives the ledger the spend recorded in the database; the
ledger keeps ``max(own count, database)``. Both are lower bounds of the real spend (the
database lags by the recorder's batch, the ledger forgets on restart), so the maximum never
double counts what was settled here and not yet written, and never forgets what was.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from modelyard.routing.budgets.periods import Period, Periods, from_micro
from modelyard.routing.snapshot import BudgetConfig

LAPSE_S = 900.0  # an admitted call that never settles gives its reservation back after this

# (workspace id, budget id, threshold, spent, period start): A's BudgetAlerts.crossed.
OnCross = Callable[[str, str, Decimal, Decimal, datetime], None]


@dataclass(slots=True)
class Hold:
    """One admitted call's reservation on its budgets."""

    workspace_id: str
    periods: tuple[Period, ...]
    amount: int
    member: str = ""
    local: bool = True  # False: held in Redis
    lapses_at: float = 0.0
    settled: bool = False
    released: bool = False  # lapsed: its reservation was given back before it settled
    tallies: tuple[Any, ...] = ()  # a local hold's period tallies, beside ``periods``


@dataclass(frozen=True, slots=True)
class Refusal:
    """The first budget without room for the call."""

    period: Period
    unknown: bool = False  # the ledger could not learn the spend (Redis down, never synced)


class BudgetLedger(Protocol):
    periods: Periods

    async def reserve(
        self,
        workspace_id: str,
        budgets: Sequence[BudgetConfig],
        amount: int,
        unchecked: frozenset[str] = frozenset(),
    ) -> Hold | Refusal:
        """Reserve ``amount`` on every budget, or on none when one has no room; the budgets
        named in ``unchecked`` are counted but never refuse (a call on their fallback)."""

    def settle(self, hold: Hold, real: int) -> None:
        """Release the reservation and add the real cost (0 for a failed call); no I/O wait."""

    async def reconcile(self, workspace_id: str, spent: Sequence[tuple[Period, int]]) -> None:
        """The database's spend in each budget's current period (micro-dollars)."""

    async def start(self) -> None: ...
    async def close(self) -> None: ...


def crossings(period: Period, before: int, after: int) -> list[tuple[Decimal, int]]:
    """The thresholds a settle moved past (``before < t <= after``)."""
    return [(f, t) for f, t in period.thresholds if before < t <= after]


@dataclass(slots=True)
class _Tally:
    """Spent and reserved micro-dollars of one budget period, in this process."""

    spent: int
    reserved: int = 0


@dataclass(slots=True)
class _Applying:
    """One ``applying_budgets`` tuple's current periods and their tallies, until the first of
    them resets: the hot path then walks two short tuples and looks nothing up."""

    budgets: Sequence[BudgetConfig]  # the snapshot's tuple itself (compared by identity)
    periods: tuple[Period, ...]
    tallies: tuple[_Tally, ...]
    until: float  # the earliest reset of those periods


_APPLYING_MAX = 4096  # budget sets remembered; a snapshot change leaves old ones behind


class MemoryLedger:
    """Spend and reservations of this process only; right for one process (SQLite)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        on_cross: OnCross | None = None,
        room: Callable[[Period], int | None] | None = None,
        share: int = 1,
    ) -> None:
        self.periods = Periods(clock)
        self.on_cross = on_cross
        self._tallies: dict[tuple[str, int], _Tally] = {}
        self._known: dict[tuple[str, int], int] = {}
        self._applying: dict[int, _Applying] = {}
        self._open: deque[Hold] = deque()  # oldest first: every hold lapses after LAPSE_S
        # What a budget may admit here; None: refuse (unknown). Default: its whole amount.
        self._room = room
        # The workers of one ``serve --workers N`` without Redis each admit an Nth.
        self._share = max(1, share)

    def _current(self, budgets: Sequence[BudgetConfig], now: float) -> _Applying:
        found = self._applying.get(id(budgets))
        if found is not None and found.budgets is budgets and now < found.until:
            return found
        current = self.periods.current
        periods = tuple([current(b, now) for b in budgets])
        found = _Applying(
            budgets,
            periods,
            tuple([self._tally(period) for period in periods]),
            min((p.resets_ts for p in periods), default=float("inf")),
        )
        if len(self._applying) >= _APPLYING_MAX:
            self._applying.clear()
        self._applying[id(budgets)] = found
        return found

    def _tally(self, period: Period) -> _Tally:
        """The period's tally; a key not seen yet starts from the database's spend at the last
        sync (0 for a period that began since: nothing was recorded in it then), and a new
        period makes the ledger forget the budget's earlier ones."""
        tally = self._tallies.get(period.key)
        if tally is None:
            tally = self._tallies[period.key] = _Tally(self._known.get(period.key, 0))
            budget_id, start = period.key
            for key in [k for k in self._tallies if k[0] == budget_id and k[1] < start]:
                del self._tallies[key]
        return tally

    def admit(
        self,
        workspace_id: str,
        budgets: Sequence[BudgetConfig],
        amount: int,
        unchecked: frozenset[str] = frozenset(),
    ) -> Hold | Refusal:
        now = self.periods.clock()
        applying = self._current(budgets, now)
        open_holds = self._open
        if open_holds and (open_holds[0].settled or open_holds[0].lapses_at <= now):
            self._lapse(now)
        share, room = self._share, self._room
        for period, tally in zip(applying.periods, applying.tallies, strict=True):
            if unchecked and period.budget.id in unchecked:
                continue
            used = tally.spent + tally.reserved
            limit = period.amount // share if room is None else room(period)
            if limit is None:
                return Refusal(period, unknown=True)
            if used >= limit or used + amount > limit:
                return Refusal(period)
        for tally in applying.tallies:
            tally.reserved += amount
        hold = Hold(
            workspace_id,
            applying.periods,
            amount,
            lapses_at=now + LAPSE_S,
            tallies=applying.tallies,
        )
        open_holds.append(hold)
        return hold

    def _lapse(self, now: float) -> None:
        """Forget settled holds at the front; give back the reservations of calls that never
        settled (a bug, a lost stream), so none holds a budget for longer than :data:`LAPSE_S`."""
        open_holds = self._open
        while open_holds and (open_holds[0].settled or open_holds[0].lapses_at <= now):
            hold = open_holds.popleft()
            if not hold.settled and not hold.released:
                hold.released = True
                for tally in hold.tallies:
                    tally.reserved = max(0, tally.reserved - hold.amount)

    async def reserve(
        self,
        workspace_id: str,
        budgets: Sequence[BudgetConfig],
        amount: int,
        unchecked: frozenset[str] = frozenset(),
    ) -> Hold | Refusal:
        return self.admit(workspace_id, budgets, amount, unchecked)

    def settle(self, hold: Hold, real: int) -> None:
        if hold.settled:
            return
        hold.settled = True
        released = hold.released
        for period, tally in zip(hold.periods, hold.tallies, strict=True):
            if not released:
                reserved = tally.reserved - hold.amount
                tally.reserved = reserved if reserved > 0 else 0
            before = tally.spent
            after = tally.spent = before + real
            thresholds = period.thresholds
            if (
                self.on_cross is not None
                and thresholds
                and after >= thresholds[0][1]  # most settles cross nothing: skip the walk
                and before < thresholds[-1][1]
            ):
                for fraction, _ in crossings(period, before, after):
                    self.on_cross(
                        hold.workspace_id,
                        period.budget.id,
                        fraction,
                        from_micro(after),
                        period.start,
                    )

    def used(self, key: tuple[str, int]) -> int:
        """Spent plus reserved (tests, the Redis ledger's degraded share)."""
        tally = self._tallies.get(key)
        return tally.spent + tally.reserved if tally is not None else 0

    async def reconcile(self, workspace_id: str, spent: Sequence[tuple[Period, int]]) -> None:
        self.merge(workspace_id, spent)

    def merge(self, workspace_id: str, spent: Sequence[tuple[Period, int]]) -> None:
        for period, value in spent:
            key = period.key
            self._known[key] = value
            tally = self._tallies.get(key)
            if tally is not None and tally.spent < value:
                tally.spent = value

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
