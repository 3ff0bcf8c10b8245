"""The limiter for one process: per key, the window's reservations in time buckets kept in two
flat arrays (time, tokens) with a running sum.

A reservation joins the newest bucket when it arrives within 1/600 of the window after that
bucket's first one; a bucket carries the time of its latest reservation and leaves the window
when that one does. The limiter is so at most 0.1 s of a minute stricter than one that kept
every reservation apart, and a key's window holds at most ~600 buckets (16 bytes each)
whatever the call rate: one entry per reservation held 3 to 4 MiB a minute at 3,000 to 4,000
calls a second, and one object each, before that, some 9 MiB at a thousand.

Every operation is amortised O(1): a bucket enters the arrays once and leaves them once (when
it ages out; the dead head is cut off in bulk), and the running sum means the window is never
re-added. A refusal walks the oldest buckets only as far as needed to tell when the request
would fit. Only the reservations still in flight (not yet settled or released) are indexed by
their handle, to the bucket that holds them.

The methods are ``async`` to fit :class:`~.base.LimitStore`, but they never await: under asyncio
each runs to completion, so concurrent calls cannot both take the last free tokens.
"""

from __future__ import annotations

import itertools
import time
from array import array
from collections.abc import Callable

from modelyard.routing.limits.base import DEFAULT_WINDOW_S, Reservation, check_amounts

BUCKETS_PER_WINDOW = 600
_COMPACT_AT = 1024  # dead entries at the head before they are cut off...
_COMPACT_SHARE = 8  # ...once they are also this share of the arrays (at most 8/7 of the live)


class _Window:
    """The buckets of one key still inside the window, oldest first: bucket ``i`` (an absolute
    number) lives at ``i - base`` in ``at`` (its latest reservation's time) and ``tokens``;
    ``head`` is the first one still inside the window; ``start`` is when the newest began."""

    __slots__ = ("at", "base", "head", "open", "start", "tokens", "used")

    def __init__(self) -> None:
        self.at = array("d")
        self.tokens = array("q")
        self.base = 0
        self.head = 0
        self.start = 0.0
        self.open: dict[str, int] = {}  # member -> absolute bucket, until settled or released
        self.used = 0

    def __len__(self) -> int:
        return len(self.at) - self.head

    def add(self, at: float, member: str, tokens: int, span: float) -> None:
        """Count ``tokens`` at ``at``: in the newest bucket if it began less than ``span``
        seconds ago, else in a new one."""
        last = len(self.at) - 1
        if last >= self.head and at - self.start < span:
            self.at[last] = at
            self.tokens[last] += tokens
        else:
            last += 1
            self.start = at
            self.at.append(at)
            self.tokens.append(tokens)
        self.open[member] = self.base + last
        self.used += tokens

    def evict(self, cutoff: float) -> None:
        at, tokens, head, end = self.at, self.tokens, self.head, len(self.at)
        while head < end and at[head] <= cutoff:
            self.used -= tokens[head]
            head += 1
        self.head = head
        if head >= _COMPACT_AT and head * _COMPACT_SHARE >= end:
            del at[:head]
            del tokens[:head]
            self.base += head
            self.head = 0
            self.open = {m: i for m, i in self.open.items() if i >= self.base}

    def settle(self, member: str, reserved: int, actual: int) -> bool:
        """Count ``actual`` instead of the ``reserved`` tokens of a reservation; False when it
        is unknown or already aged out."""
        bucket = self.open.pop(member, None)
        if bucket is None or bucket < self.base + self.head:
            return False
        self.tokens[bucket - self.base] += actual - reserved
        self.used += actual - reserved
        return True


class MemoryLimitStore:
    """Sliding-window token accounting in this process only (one replica, or a fallback)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, share: int = 1) -> None:
        """``share``: how many processes split each limit (``serve --workers N`` without
        Redis): each admits ``limit // share``, so that together they stay within it."""
        self._clock = clock
        self._share = max(1, share)
        self._windows: dict[str, _Window] = {}
        self._ids = itertools.count(1)

    async def start(self) -> None:
        """Nothing runs in the background here."""

    @property
    def degraded(self) -> bool:
        """Never: there is nothing shared to lose."""
        return False

    async def ping(self) -> None:
        """No shared store to ask."""

    async def reserve(
        self, key: str, tokens: int, limit: int, window_s: float = DEFAULT_WINDOW_S
    ) -> Reservation:
        check_amounts(tokens, limit, window_s)
        limit = max(1, limit // self._share)
        now = self._clock()
        window = self._current(key, now, window_s)
        used = window.used if window else 0
        if used == 0 or used + tokens <= limit:
            if window is None:
                window = self._windows[key] = _Window()
            member = f"m{next(self._ids)}"
            window.add(now, member, tokens, window_s / BUCKETS_PER_WINDOW)
            return Reservation(key, tokens, admitted=True, member=member)
        assert window is not None  # used > 0
        return Reservation(
            key, tokens, admitted=False, retry_after=_wait(window, tokens, limit, now, window_s)
        )

    async def settle(self, reservation: Reservation, actual_tokens: int) -> None:
        if actual_tokens < 0:
            raise ValueError(f"actual_tokens must not be negative, got {actual_tokens}")
        window = self._windows.get(reservation.key)
        if window is not None:  # else refused, or aged out: nothing counts any more
            window.settle(reservation.member, reservation.tokens, actual_tokens)

    async def release(self, reservation: Reservation) -> None:
        await self.settle(reservation, 0)

    async def remaining(self, key: str, limit: int, window_s: float = DEFAULT_WINDOW_S) -> int:
        check_amounts(0, limit, window_s)
        limit = max(1, limit // self._share)
        window = self._current(key, self._clock(), window_s)
        return max(0, limit - (window.used if window else 0))

    async def close(self) -> None:
        self._windows.clear()

    def _current(self, key: str, now: float, window_s: float) -> _Window | None:
        """The key's window after dropping what aged out; empty windows are forgotten."""
        window = self._windows.get(key)
        if window is None:
            return None
        window.evict(now - window_s)
        if not len(window):
            del self._windows[key]
            return None
        return window


def _wait(window: _Window, tokens: int, limit: int, now: float, window_s: float) -> float:
    """Seconds until the oldest reservations have left enough room for ``tokens``."""
    target = max(limit - tokens, 0)  # usage at which the request fits (0: the window is empty)
    left = window.used
    for index in range(window.head, len(window.at)):
        left -= window.tokens[index]
        if left <= target:
            return max(window.at[index] + window_s - now, 0.0)
    return window_s
