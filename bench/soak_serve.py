"""``modelyard serve`` for bench/soak.py, with one addition that costs nothing per call: on
SIGUSR1 the process writes how many asyncio tasks its event loop holds (and a sequence number)
to ``$SOAK_PROBE_FILE``. Everything else is ``python -m modelyard`` with the same arguments.

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


signal.signal(signal.SIGUSR1, _count_tasks)
sys.argv = ["modelyard", *sys.argv[1:]]
runpy.run_module("modelyard", run_name="__main__", alter_sys=True)
