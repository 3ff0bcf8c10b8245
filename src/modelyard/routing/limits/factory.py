"""Choosing the limit store from settings: Redis when configured, else this process only."""

from __future__ import annotations

from modelyard.routing.limits.base import LimitStore
from modelyard.routing.limits.memory import MemoryLimitStore


def make_limit_store(
    redis_url: str | None, workers: int = 1, replicas: int | None = None
) -> LimitStore:
    """A :class:`RedisLimitStore` shared by all replicas, or a :class:`MemoryLimitStore`.

    Without Redis each process counts alone, which is right for the single-process setup
    (SQLite); several replicas need Redis for their limits to add up to the configured one.
    The ``workers`` of one ``serve --workers N`` without Redis each take an Nth of a limit.
    With Redis, ``replicas`` (servers of ``workers`` processes each, at most) is what lets a
    process that never reached Redis take its share (see :mod:`.redis_store`).
    """
    if redis_url:
        from modelyard.routing.limits.redis_store import RedisLimitStore  # only when used

        expected = replicas * max(1, workers) if replicas else None
        return RedisLimitStore(redis_url, expected=expected)
    return MemoryLimitStore(share=workers)
