"""``modelyard serve`` for bench/soak.py, with one addition that costs nothing per call: on
SIGUSR1 the process writes how many asyncio tasks its event loop holds (and a sequence number)
to ``$SOAK_PROBE_FILE``. Everything else is ``python -m modelyard`` with the same arguments.
With ``SOAK_TRACEMALLOC=1`` (``soak.py --tracemalloc``, for hunting a leak: it slows every
call) the first SIGUSR2 starts tracing Python's allocations, the second takes a snapshot, and
each later one writes the lines whose allocations grew most since that snapshot to
``$SOAK_PROBE_FILE.tracemalloc``.

The handler runs in the main thread between two bytecodes of the running loop, where
``asyncio.all_tasks()`` sees that loop; the count is written to a temporary file and renamed,
so the bench never reads half of it.
"""

from __future__ import annotations

import asyncio
import os
import runpy
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType

_probe = Path(os.environ["SOAK_PROBE_FILE"])
_sequence = 0


def _count_tasks(signum: int, frame: FrameType | None) -> None:
    global _sequence
    _sequence += 1
    try:
        tasks = len(asyncio.all_tasks())
    except RuntimeError:  # no loop running (still starting)
        tasks = -1
    partial = _probe.with_suffix(".tmp")
    partial.write_text(f"{_sequence} {tasks}\n")
    partial.replace(_probe)


_first: tracemalloc.Snapshot | None = None


def _allocations(signum: int, frame: FrameType | None) -> None:
    if not tracemalloc.is_tracing():
        tracemalloc.start(8)  # after start-up: tracing the imports would take minutes
        lines = ["tracing started"]
    else:
        lines = _grown()
    partial = _probe.with_suffix(".tmp2")
    partial.write_text("\n".join(lines) + "\n")
    partial.replace(Path(f"{_probe}.tracemalloc"))


def _grown() -> list[str]:
    global _first
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    if _first is None:
        _first = snapshot
        return ["snapshot taken"]
    lines = [str(stat) for stat in snapshot.compare_to(_first, "traceback")[:12]]
    for stat in snapshot.compare_to(_first, "traceback")[:4]:
        lines += ["  " + line for line in stat.traceback.format()[-12:]]
    return lines


signal.signal(signal.SIGUSR1, _count_tasks)
if os.environ.get("SOAK_TRACEMALLOC"):
    signal.signal(signal.SIGUSR2, _allocations)
sys.argv = ["modelyard", *sys.argv[1:]]
runpy.run_module("modelyard", run_name="__main__", alter_sys=True)
