"""The limiter's vocabulary: a :class:`Reservation` and the :class:`LimitStore` protocol.

A deployment's tokens-per-minute limit is enforced the way tensorzero does it: before the call,
*reserve* the tokens it may use (prompt estimate plus ``max_tokens``) in one atomic step; after
the call, *settle* the reservation with what was really used, or *release* it when the call
failed before using anything. Reserving up front is what keeps concurrent calls (and replicas)
from all seeing the same free capacity; settling afterwards is what keeps a generous estimate
from wasting that capacity for a whole minute.

The window is sliding: a reservation counts for ``window_s`` seconds from the moment it was
made. A call is admitted when the tokens counted in the window plus its own fit under the limit,
or when nothing is counted at all, so that a single request larger than the limit can still
pass once instead of never. The guarantee is therefore: the tokens admitted in any window never
exceed the limit plus one request.

Stores are the hot-path state behind this narrow protocol (STYLE.md habit 10): one process
(:mod:`.memory`) or every replica sharing Redis (:mod:`.redis_store`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

DEFAULT_WINDOW_S = 60.0

Origin = Literal["memory", "redis"]


@dataclass(frozen=True, slots=True)
class Reservation:
    """The answer to :meth:`LimitStore.reserve`, and the handle to settle or release it.

    ``retry_after`` is 0 when admitted; when refused, the seconds until enough usage leaves the
    window for the same request to fit. ``member`` identifies the reservation inside the store
    (empty when refused: there is nothing to settle). ``origin`` says which store holds it, so a
    Redis store that fell back to memory settles each reservation where it was made.
    """

    key: str
    tokens: int
    admitted: bool
    retry_after: float = 0.0
    member: str = ""
    origin: Origin = "memory"


class LimitStore(Protocol):
    """Sliding-window token accounting, keyed by an opaque string (a deployment id)."""

    async def start(self) -> None:
        """Start any background work (heartbeats); calls work without it, but less well."""
        ...

    @property
    def degraded(self) -> bool:
        """True while a shared store cannot be reached and each process enforces its share."""
        ...

    async def ping(self) -> bool | None:
        """Whether the shared store answers now; None when there is none (this process only)."""
        ...

    async def reserve(
        self, key: str, tokens: int, limit: int, window_s: float = DEFAULT_WINDOW_S
    ) -> Reservation:
        """Count ``tokens`` against ``key`` if they fit under ``limit`` (or the window is empty)."""
        ...

    async def settle(self, reservation: Reservation, actual_tokens: int) -> None:
        """Replace the reserved amount by what the call really used (prompt + output)."""
        ...

    async def release(self, reservation: Reservation) -> None:
        """Give the whole reservation back: the call failed before using any tokens."""
        ...

    async def remaining(self, key: str, limit: int, window_s: float = DEFAULT_WINDOW_S) -> int:
        """Tokens still free under ``limit`` right now (never negative); for spreading load."""
        ...

    async def close(self) -> None:
        """Stop background work and close connections."""
        ...


def check_amounts(tokens: int, limit: int, window_s: float) -> None:
    """Refuse nonsense early: these are programming errors, not caller input."""
    if tokens < 0:
        raise ValueError(f"tokens must not be negative, got {tokens}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if window_s <= 0:
        raise ValueError(f"window_s must be positive, got {window_s}")
