"""A serving process switches the GIL every 1 ms and collects its young objects less often."""

from __future__ import annotations

import json
import subprocess
import sys

from modelyard.app import GC_YOUNG_THRESHOLD, SWITCH_INTERVAL_S


def test_a_serving_process_is_tuned_and_keeps_the_older_thresholds() -> None:
    script = (
        "import gc, json, sys\n"
        "before = gc.get_threshold()\n"
        "from modelyard.app import tune_process\n"
        "tune_process()\n"
        "print(json.dumps([before, gc.get_threshold(), sys.getswitchinterval()]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    before, after, interval = json.loads(done.stdout)
    assert after == [GC_YOUNG_THRESHOLD, before[1], before[2]]
    assert before[0] != GC_YOUNG_THRESHOLD
    assert interval == SWITCH_INTERVAL_S
