"""The limiter for one process: per key, the reservations of the window in two flat arrays
(time, tokens) with a running sum.

Every operation is amortised O(1): a reservation enters the arrays once and leaves them once
(when it ages out; the dead head is cut off in bulk, once it is an eighth of the arrays), and
the running sum means the window is never re-added. A refusal walks the oldest reservations
only as far as needed to tell when the request would fit, which is a few entries when
requests are of similar size. A reservation
costs 16 bytes while it is in the window (one object each cost about 150, which at a thousand
calls a second held some 9 MiB per minute-long window); only the few still in flight (not yet
settled or released) are also indexed by their handle.

The methods are ``async`` to fit :class:`~.base.LimitStore`, but they never await: under asyncio
each runs to completion, so concurrent calls cannot both take the last free tokens.
"""

from __future__ import annotations

import itertools
import time
from array import array
from collections.abc import Callable

from modelyard.routing.limits.base import DEFAULT_WINDOW_S, Reservation, check_amounts

_COMPACT_AT = 1024  # dead entries at the head before they are cut off...
# ...once they are also this share of the arrays. At 1/2 the arrays held up to twice the live
# window (7.5 MiB at 4,000 calls a second instead of 3.9); at 1/8, at most 8/7 of it, for
# moving the live entries once per seven-eighths of them aged out (still amortised O(1)).
_COMPACT_SHARE = 8


class _Window:
    """The reservations of one key still inside the window, oldest first: entry ``i`` (an
    absolute number) lives at ``i - base`` in ``at`` and ``tokens``; ``head`` is the first
    one still inside the window."""

    __slots__ = ("at", "base", "head", "open", "tokens", "used")

    def __init__(self) -> None:
        self.at = array("d")
        self.tokens = array("q")
        self.base = 0
        self.head = 0
        self.open: dict[str, int] = {}  # member -> absolute entry, until settled or released
        self.used = 0

    def __len__(self) -> int:
        return len(self.at) - self.head

    def add(self, at: float, member: str, tokens: int) -> None:
        self.open[member] = self.base + len(self.at)
        self.at.append(at)
        self.tokens.append(tokens)
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

    def settle(self, member: str, actual: int) -> bool:
        """Replace a reservation's tokens; False when it is unknown or already aged out."""
        entry = self.open.pop(member, None)
        if entry is None or entry < self.base + self.head:
            return False
        index = entry - self.base
        self.used += actual - self.tokens[index]
        self.tokens[index] = actual
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
            window.add(now, member, tokens)
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
            window.settle(reservation.member, actual_tokens)

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
