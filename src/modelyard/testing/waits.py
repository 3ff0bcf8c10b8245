"""Waiting without blocking: slow and hanging answers end when the client or the server goes.

A ``fail-hang`` or ``slow-<ms>`` request must never hold the server: it waits on the client's
disconnect and on a "stopping" event, so a client timeout frees it at once, and so does
stopping the server (those requests then get a 503 instead of a cancelled task).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

from modelyard.testing.asgi import Receive

Pause = Literal["elapsed", "gone", "stopping"]


async def wait_for_disconnect(receive: Receive) -> None:
    """Wait until the client gives up (reading nothing else: the body is already read)."""
    while (await receive())["type"] != "http.disconnect":
        pass


class Stopping:
    """Set (from any thread) when the server stops, to end every slow or hanging wait at once."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def event(self) -> asyncio.Event:
        """The event of the running loop (a restarted server gets a new loop, hence a new event)."""
        loop = asyncio.get_running_loop()
        if self._event is None or self._loop is not loop:
            self._event, self._loop = asyncio.Event(), loop
        return self._event

    def set(self) -> None:
        event, loop = self._event, self._loop
        if event is None or loop is None:
            return  # nothing ever waited
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            loop.call_soon_threadsafe(event.set)


async def pause(receive: Receive, seconds: float | None, stopping: Stopping) -> Pause:
    """Wait ``seconds`` (None: forever) unless the client disconnects or the server stops."""
    gone = asyncio.ensure_future(wait_for_disconnect(receive))
    stop = asyncio.ensure_future(stopping.event().wait())
    try:
        done, _ = await asyncio.wait(
            {gone, stop}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        gone.cancel()
        stop.cancel()
        await asyncio.gather(gone, stop, return_exceptions=True)
    if gone in done:
        return "gone"
    return "stopping" if stop in done else "elapsed"
