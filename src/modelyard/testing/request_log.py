"""The fake's request log: what an adapter really sent upstream, for tests to inspect.

Bounded (the newest entries win) so a long benchmark cannot grow the fake's memory, and
guarded by a lock because the test thread reads it while the server thread appends.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

DEFAULT_LIMIT = 10_000


class RequestLog:
    """The last ``limit`` requests, oldest first."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def append(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
