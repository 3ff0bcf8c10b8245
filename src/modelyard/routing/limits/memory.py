"""The limiter for one process: a deque of reservations per key, with a running sum.

Every operation is amortised O(1): a reservation enters the deque once and leaves it once
(when it ages out), and the running sum means the window is never re-added. A refusal walks the
oldest reservations only as far as needed to tell when the request would fit, which is a few
entries when requests are of similar size.

The methods are ``async`` to fit :class:`~.base.LimitStore`, but they never await: under asyncio
each runs to completion, so concurrent calls cannot both take the last free tokens.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable

from modelyard.routing.limits.base import DEFAULT_WINDOW_S, Reservation, check_amounts


class _Entry:
    __slots__ = ("at", "member", "tokens")

    def __init__(self, at: float, member: str, tokens: int) -> None:
        self.at = at
        self.member = member
        self.tokens = tokens


class _Window:
    """The reservations of one key still inside the window, oldest first."""

    __slots__ = ("entries", "open", "used")

    def __init__(self) -> None:
        self.entries: deque[_Entry] = deque()
        self.open: dict[str, _Entry] = {}  # not yet settled or released
        self.used = 0

    def evict(self, cutoff: float) -> None:
        entries = self.entries
        while entries and entries[0].at <= cutoff:
            gone = entries.popleft()
            self.used -= gone.tokens
            self.open.pop(gone.member, None)


class MemoryLimitStore:
    """Sliding-window token accounting in this process only (one replica, or a fallback)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._ids = itertools.count(1)

    async def start(self) -> None:
        """Nothing runs in the background here."""

    async def reserve(
        self, key: str, tokens: int, limit: int, window_s: float = DEFAULT_WINDOW_S
    ) -> Reservation:
        check_amounts(tokens, limit, window_s)
        now = self._clock()
        window = self._current(key, now, window_s)
        used = window.used if window else 0
        if used == 0 or used + tokens <= limit:
            if window is None:
                window = self._windows[key] = _Window()
            entry = _Entry(now, f"m{next(self._ids)}", tokens)
            window.entries.append(entry)
            window.open[entry.member] = entry
            window.used += tokens
            return Reservation(key, tokens, admitted=True, member=entry.member)
        assert window is not None  # used > 0
        return Reservation(
            key, tokens, admitted=False, retry_after=_wait(window, tokens, limit, now, window_s)
        )

    async def settle(self, reservation: Reservation, actual_tokens: int) -> None:
        if actual_tokens < 0:
            raise ValueError(f"actual_tokens must not be negative, got {actual_tokens}")
        window = self._windows.get(reservation.key)
        entry = window.open.pop(reservation.member, None) if window else None
        if window is None or entry is None:
            return  # refused, already settled, or aged out: nothing counts any more
        window.used += actual_tokens - entry.tokens
        entry.tokens = actual_tokens

    async def release(self, reservation: Reservation) -> None:
        await self.settle(reservation, 0)

    async def remaining(self, key: str, limit: int, window_s: float = DEFAULT_WINDOW_S) -> int:
        check_amounts(0, limit, window_s)
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
        if not window.entries:
            del self._windows[key]
            return None
        return window


def _wait(window: _Window, tokens: int, limit: int, now: float, window_s: float) -> float:
    """Seconds until the oldest reservations have left enough room for ``tokens``."""
    target = max(limit - tokens, 0)  # usage at which the request fits (0: the window is empty)
    left = window.used
    for entry in window.entries:
        left -= entry.tokens
        if left <= target:
            return max(entry.at + window_s - now, 0.0)
    return window_s
