"""Choosing the limit store from settings: Redis when configured, else this process only."""

from __future__ import annotations

from modelyard.routing.limits.base import LimitStore
from modelyard.routing.limits.memory import MemoryLimitStore
from modelyard.routing.limits.redis_store import RedisLimitStore


def make_limit_store(redis_url: str | None) -> LimitStore:
    """A :class:`RedisLimitStore` shared by all replicas, or a :class:`MemoryLimitStore`.

    Without Redis each process counts alone, which is right for the single-process setup
    (SQLite); several replicas need Redis for their limits to add up to the configured one.
    """
    if redis_url:
        return RedisLimitStore(redis_url)
    return MemoryLimitStore()
