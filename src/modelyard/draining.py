"""Draining before a stop: on SIGTERM a replica first stops being ready, then stops.

A load balancer (HAProxy's health check, a Kubernetes readiness probe) learns that a replica is
going only by asking ``/readyz``. On SIGTERM uvicorn closes its listening socket at once and
drops connections whose request it has not read yet; a balancer still routing to the replica
in that moment gets failures it must not retry (the POST may have been sent). With
``MODELYARD_DRAIN_SECONDS`` set, the first SIGTERM only makes ``/readyz`` answer 503
(``draining``) while everything is still served; after that many seconds uvicorn's own graceful
shutdown runs (calls and streams in flight are finished, then the lifespan stores their usage).
A second SIGTERM, or SIGINT, stops at once as before.

The flag is process state, as the signal is: one process drains once, and only a server that
owns the main thread (``modelyard serve``, each of its workers) installs the handler.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

logger = logging.getLogger("modelyard.draining")
_draining = threading.Event()


def is_draining() -> bool:
    """Whether this process got SIGTERM and is draining before it stops."""
    return _draining.is_set()


def drain_on_sigterm(seconds: float) -> None:
    """Put a drain of ``seconds`` before the SIGTERM handler in force (uvicorn's, installed
    before the app starts). Nothing happens for 0 seconds or outside the main thread."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        return
    stop = signal.getsignal(signal.SIGTERM)
    if not callable(stop):
        return

    def on_sigterm(sig: int, frame: FrameType | None) -> None:
        if _draining.is_set():  # a second SIGTERM: stop now
            stop(sig, frame)
            return
        _draining.set()
        logger.warning("SIGTERM: not ready, stopping in %s s", seconds)
        timer = threading.Timer(seconds, stop, args=(sig, None))
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, on_sigterm)
