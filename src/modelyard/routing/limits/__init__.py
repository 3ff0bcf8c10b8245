"""Tokens-per-minute limits of deployments: reserve before a call, settle after it.

The store protocol and its semantics are in :mod:`.base`; :mod:`.memory` serves one process,
:mod:`.redis_store` all replicas (with its Redis-down policy); :func:`make_limit_store` picks one.
"""

from modelyard.routing.limits.base import DEFAULT_WINDOW_S, LimitStore, Reservation
from modelyard.routing.limits.factory import make_limit_store
from modelyard.routing.limits.memory import MemoryLimitStore
from modelyard.routing.limits.redis_store import RedisLimitStore

__all__ = [
    "DEFAULT_WINDOW_S",
    "LimitStore",
    "MemoryLimitStore",
    "RedisLimitStore",
    "Reservation",
    "make_limit_store",
]
