"""How much ``UsageRecorder.record()`` costs on the request path, against appending to a list.

Run: ``.venv/bin/python bench/recorder.py [N]`` (default 4,000 records per round, 7 rounds per
case). Each call is timed alone with ``perf_counter_ns`` (the timer's own cost is in every
number, the baseline's too). Printed per case, in microseconds: the best round's median (least
disturbed by other processes), the median of all samples and their p99. Between rounds the
queue is stored (untimed), so memory and journal files stay the size a server sees. "with
flusher" records while the flusher task stores batches into SQLite from a worker thread of the
same process, as in a running server.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson

from modelyard.llm_types import Usage
from modelyard.storage.engine import make_engine
from modelyard.storage.migrate import upgrade
from modelyard.usage.cost import UnitPrices, cost_usd
from modelyard.usage.journal import to_row
from modelyard.usage.meter import CallRecord
from modelyard.usage.recorder import UsageRecorder

ROUNDS = 7


def calls(n: int) -> list[CallRecord]:
    prices = UnitPrices(Decimal(2), Decimal(8), Decimal("0.5"), Decimal("2.5"))
    usage = Usage(input_tokens=812, output_tokens=240, cache_read_tokens=512)
    return [
        CallRecord(
            workspace_id="wsp_0123456789abcdef0123",
            user_id="usr_0123456789abcdef0123",
            api_key_id="key_0123456789abcdef0123",
            endpoint="chat",
            model_id="mdl_0123456789abcdef0123",
            model_slug="gpt-4o-mini",
            deployment_id="dep_0123456789abcdef0123",
            status=200,
            usage=usage,
            prices=prices,
            cost_usd=cost_usd(usage, prices),
            latency_ms=123.456,
            started_at=datetime.now(UTC),
        )
        for _ in range(n)
    ]


def timed(action: Callable[[CallRecord], object], records: list[CallRecord]) -> list[int]:
    clock = time.perf_counter_ns
    out = []
    for record in records:
        start = clock()
        action(record)
        out.append(clock() - start)
    return out


def report(name: str, rounds: list[list[int]]) -> float:
    best = min(statistics.median(r) for r in rounds) / 1000
    every = sorted(s for r in rounds for s in r)
    median, p99 = statistics.median(every) / 1000, every[int(len(every) * 0.99)] / 1000
    print(f"{name:<36} best {best:6.2f}   median {median:6.2f}   p99 {p99:6.2f}  (us)")
    return best


def case(
    action: Callable[[CallRecord], object], n: int, between: Callable[[], object] = lambda: None
) -> list[list[int]]:
    action(calls(1)[0])  # warm up (the recorder opens its journal)
    rounds = []
    for _ in range(ROUNDS):
        rounds.append(timed(action, calls(n)))
        between()
    return rounds


async def with_flusher(recorder: UsageRecorder, n: int) -> list[list[int]]:
    recorder.start()
    rounds = []
    for _ in range(ROUNDS):
        samples: list[int] = []
        for _ in range(n // 50):  # a request's worth of other work between records
            samples += timed(recorder.record, calls(50))
            await asyncio.sleep(0.001)
        rounds.append(samples)
    await recorder.stop()
    return rounds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        sink: list[CallRecord] = []
        base = report("baseline: list.append", case(sink.append, n, sink.clear))
        report("  part: to_row", case(to_row, n))
        row = to_row(calls(1)[0])
        report("  part: orjson.dumps", case(lambda _c: orjson.dumps(row), n))
        line = orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
        fd = os.open(Path(tmp) / "parts.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        report("  part: os.write, O_APPEND", case(lambda _c: os.write(fd, line), n))
        os.close(fd)
        idle = UsageRecorder(engine, Path(tmp) / "j1")
        record = report(
            "record(), flusher idle", case(idle.record, n, lambda: asyncio.run(idle.flush()))
        )
        asyncio.run(idle.stop())
        busy = UsageRecorder(engine, Path(tmp) / "j2")
        flushing = report("record(), flusher storing to SQLite", asyncio.run(with_flusher(busy, n)))
        engine.dispose()
    print(
        f"\nrecord(): +{record - base:.2f} us over list.append ({record / base:.0f}x), "
        f"+{flushing - base:.2f} us while the flusher works; one journal line = {len(line)} bytes"
    )


if __name__ == "__main__":
    main()
