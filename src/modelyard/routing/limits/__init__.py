"""Tokens-per-minute limits of deployments: reserve before a call, settle after it.

The store protocol and its semantics are in :mod:`.base`; :mod:`.memory` serves one process,
:mod:`.redis_store` all replicas (with its Redis-down policy); :func:`make_limit_store` picks one.
"""

from typing import TYPE_CHECKING, Any

from modelyard.routing.limits.base import DEFAULT_WINDOW_S, LimitStore, Reservation
from modelyard.routing.limits.factory import make_limit_store
from modelyard.routing.limits.memory import MemoryLimitStore

if TYPE_CHECKING:
    from modelyard.routing.limits.redis_store import RedisLimitStore


def __getattr__(name: str) -> Any:
    """``RedisLimitStore`` on first use: the redis client stays out of memory-mode servers."""
    if name == "RedisLimitStore":
        from modelyard.routing.limits.redis_store import RedisLimitStore

        return RedisLimitStore
    raise AttributeError(name)


__all__ = [
    "DEFAULT_WINDOW_S",
    "LimitStore",
    "MemoryLimitStore",
    "RedisLimitStore",
    "Reservation",
    "make_limit_store",
]
