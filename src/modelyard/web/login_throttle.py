"""Slows password guessing on ``POST /login``: failed sign-ins are counted per account and per
client address, and past a limit the form answers 429 with ``Retry-After`` instead of checking
the password.

* At most ``MAX_PER_EMAIL`` (5) failures per email (case-insensitive) and ``MAX_PER_ADDRESS``
  (20) per client address within a sliding ``WINDOW_SECONDS`` (5 minutes). Each failure is
  forgotten once it is older than the window, so a lock-out ends by itself within minutes:
  an attacker cannot keep a real user out for long, and guessing one account is slowed to
  5 tries per 5 minutes; spraying many accounts from one address meets the address limit.
* While a limit holds, attempts are refused without verifying the password (so the right
  password is refused too) and do not count as further failures.
* A successful sign-in clears that email's failures (not the address's).
* The address is ``request.client.host``: behind a reverse proxy run uvicorn with
  ``--proxy-headers --forwarded-allow-ips`` so that it is the browser's, not the proxy's.
* In memory, per process: with several workers or replicas each keeps its own counts (the
  limits then multiply by their number), and a restart forgets them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["MAX_PER_ADDRESS", "MAX_PER_EMAIL", "WINDOW_SECONDS", "LoginThrottle"]

MAX_PER_EMAIL = 5
MAX_PER_ADDRESS = 20
WINDOW_SECONDS = 300.0
# Past this many tracked keys, every stale one is dropped (bounds memory under a spray).
_SWEEP_AT = 10_000


class LoginThrottle:
    """Failed sign-ins per email and per address in sliding windows; thread-safe."""

    def __init__(
        self,
        max_per_email: int = MAX_PER_EMAIL,
        max_per_address: int = MAX_PER_ADDRESS,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"email": max_per_email, "address": max_per_address}
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(email: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("email", email.strip().lower()), ("address", address)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        found = self._failures.get(key)
        if found is None:
            return deque()
        while found and found[0] <= now - self._window:
            found.popleft()
        if not found:
            del self._failures[key]
        return found

    def retry_after(self, email: str, address: str) -> int:
        """Seconds until another attempt is allowed for this email from this address; 0 now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(email, address):
                recent = self._recent(key, now)
                limit = self._limits[key[0]]
                if len(recent) >= limit:
                    # Allowed again once enough of the oldest failures left the window.
                    until = recent[len(recent) - limit] + self._window
                    wait = max(wait, until - now)
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def failed(self, email: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= _SWEEP_AT:
                for key in list(self._failures):
                    self._recent(key, now)
            for key in self._keys(email, address):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(email, "")[0], None)
