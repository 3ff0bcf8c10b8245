"""Choosing the limit store from settings: Redis when configured, else this process only."""

from __future__ import annotations

from modelyard.routing.limits.base import LimitStore
from modelyard.routing.limits.memory import MemoryLimitStore


def make_limit_store(redis_url: str | None, workers: int = 1) -> LimitStore:
    """A :class:`RedisLimitStore` shared by all replicas, or a :class:`MemoryLimitStore`.

    Without Redis each process counts alone, which is right for the single-process setup
    (SQLite); several replicas need Redis for their limits to add up to the configured one.
    The ``workers`` of one ``serve --workers N`` without Redis each take an Nth of a limit.
    """
    if redis_url:
        from modelyard.routing.limits.redis_store import RedisLimitStore  # only when used

        return RedisLimitStore(redis_url)
    return MemoryLimitStore(share=workers)
