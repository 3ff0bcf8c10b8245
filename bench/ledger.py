"""The usage ledger at scale: report latency, export memory and insert throughput.

Run: ``.venv/bin/python bench/ledger.py --url URL [--runs 7] [--inserts-only]`` against a
database filled by ``bench/ledger_generate.py`` (or an empty one: then only the inserts).

Printed, each the median of ``--runs`` runs, in-process (the query and Python's summing, no
HTTP):

* reports over the last whole calendar month (all whole days: rollups) by model, user,
  deployment and day; the default range (the last 30 days up to now: two partial days from
  raw rows, the rest rollups); and, as the baseline, month by model from raw rows only
  (``rollups=False``, what a report cost before 0014);
* the CSV export (the same writer the API streams) of the month's first day, rows per second,
  and the peak of Python's allocations (tracemalloc) for that day and for its first
  ``--export-days`` days: constant memory means the two peaks are the same size however many
  rows go out; RSS before and after;
* inserts: batches of 250 rows (a busy recorder's batch) through ``journal.insert_rows`` (rows
  and rollups, one transaction), against the same batches through the insert as it was before
  the rollups (rows only), interleaved, as rows per second and the ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as day_start
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from modelyard.storage.engine import make_engine, make_session_factory
from modelyard.storage.migrate import upgrade
from modelyard.storage.tables import UsageModelRollupRow, UsageRow
from modelyard.usage.csv_export import csv_chunks
from modelyard.usage.journal import COLUMNS, insert_rows
from modelyard.usage.reports import TimeRange, parse_range, usage_report

sys.path.insert(0, os.path.dirname(__file__))
from ledger_generate import WORKSPACE, ensure_workspace

BATCH_ROWS = 250


def median_ms(runs: int, work: Callable[[], object]) -> tuple[float, float, object]:
    """Median wall time and median CPU time of this process (ms), and the last result. On a
    shared machine the wall time includes waiting for a core; for SQLite, which runs in this
    process, the CPU time is the work itself."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        began, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append((time.perf_counter() - began) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus), result


def last_month() -> TimeRange:
    first_of_this = datetime.now(UTC).date().replace(day=1)
    first_of_last = (first_of_this - timedelta(days=1)).replace(day=1)
    return TimeRange(
        datetime.combine(first_of_last, day_start(), UTC),
        datetime.combine(first_of_this, day_start(), UTC),
    )


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reports(engine: Engine, runs: int) -> None:
    sessions = make_session_factory(engine)
    month = last_month()
    default = parse_range(None, None)
    with sessions() as session:
        in_month = session.scalar(
            select(func.count()).where(
                UsageRow.workspace_id == WORKSPACE,
                UsageRow.started_at >= month.start,
                UsageRow.started_at < month.end,
            )
        )
        rollups = session.scalar(
            select(func.count()).where(
                UsageModelRollupRow.workspace_id == WORKSPACE,
                UsageModelRollupRow.day >= month.start.date().isoformat(),
                UsageModelRollupRow.day < month.end.date().isoformat(),
            )
        )
        print(
            f"month {month.start:%Y-%m-%d}..{month.end:%Y-%m-%d}: {in_month:,} calls, "
            f"{rollups:,} rows of usage_rollups_model"
        )
        cases: list[tuple[str, TimeRange, str, bool, int]] = [
            ("month by model", month, "model", True, runs),
            ("month by user", month, "user", True, runs),
            ("month by deployment", month, "deployment", True, runs),
            ("month by day", month, "day", True, runs),
            ("last 30 days (default range) by model", default, "model", True, runs),
            ("baseline: month by model, raw rows only", month, "model", False, max(3, runs // 3)),
        ]
        for label, span, group_by, rollups_on, count in cases:
            ms, cpu_ms, rows = median_ms(
                count,
                lambda s=span, g=group_by, r=rollups_on: usage_report(
                    session, WORKSPACE, g, s.start, s.end, rollups=r
                ),
            )
            groups = rows if isinstance(rows, list) else []
            calls = sum(row.totals.requests for row in groups)
            print(
                f"  {label}: {ms:,.1f} ms median of {count} (CPU here {cpu_ms:,.1f} ms;"
                f" {len(groups)} rows, {calls:,} calls)"
            )


def export(engine: Engine, days: int) -> None:
    sessions = make_session_factory(engine)
    month = last_month()
    one_day = TimeRange(month.start, month.start + timedelta(days=1))
    longer = TimeRange(month.start, month.start + timedelta(days=days))

    def write(span: TimeRange) -> tuple[int, int]:
        lines = size = 0
        for chunk in csv_chunks(sessions, WORKSPACE, span):
            size += len(chunk)
            lines += chunk.count("\r\n")
        return lines - 1, size

    rss_before = rss_mib()
    began = time.perf_counter()
    lines, size = write(one_day)
    seconds = time.perf_counter() - began
    print(
        f"  export of one day: {lines:,} rows, {size / 2**20:,.1f} MiB of CSV in {seconds:.1f} s"
        f" ({lines / seconds:,.0f} rows/s)"
    )
    for name, span in (("one day", one_day), (f"{days} days", longer)):
        tracemalloc.start()
        lines, _size = write(span)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  export peak Python allocations, {name} ({lines:,} rows): {peak / 2**20:.2f} MiB")
    print(f"  RSS {rss_before:.0f} MiB before the exports, {rss_mib():.0f} MiB after")


def _fresh_rows(count: int, rng: random.Random) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    for _ in range(count):
        user, model = rng.randrange(500), rng.randrange(40)
        tokens = rng.randrange(20, 4000)
        rows.append(
            dict.fromkeys(COLUMNS)
            | {
                "id": f"use_{secrets.token_hex(12)}",
                "workspace_id": WORKSPACE,
                "user_id": f"usr_{user:04d}",
                "api_key_id": f"key_{user:04d}_0",
                "endpoint": "chat",
                "model_id": f"mdl_{model:03d}",
                "model_slug": f"model-{model}",
                "deployment_id": f"dep_{model:03d}_{rng.randrange(2)}",
                "fallback_path": [],
                "status": 200,
                "stream": True,
                "input_tokens": tokens,
                "output_tokens": 300,
                "cache_read_tokens": 0,
                "cache_write_tokens": 0,
                "reasoning_tokens": 0,
                "images": 0,
                "latency_ms": 420.5,
                "input_price": "2.5",
                "output_price": "10",
                "cost_usd": format(Decimal(tokens) * Decimal("0.0000025") + Decimal("0.003"), "f"),
                "started_at": now,
                "is_test": False,
            }
        )
    return rows


def insert_rows_only(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """The insert as it was before the rollups: rows only, ids already there skipped (on
    SQLite the driver's ``executemany`` of 32 rows at a time, as ``journal.py`` did)."""
    if engine.dialect.name == "postgresql":
        statement = postgresql.insert(UsageRow).on_conflict_do_nothing(index_elements=["id"])
        with engine.begin() as connection:
            connection.execute(statement, rows)
        return
    compiled = (
        sqlite.insert(UsageRow)
        .on_conflict_do_nothing(index_elements=["id"])
        .compile(dialect=engine.dialect, column_keys=list(COLUMNS))
    )
    types = UsageRow.__table__.columns
    fields = [
        (name, types[name].type.dialect_impl(engine.dialect).bind_processor(engine.dialect))
        for name in compiled.positiontup or ()
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), 32):
            chunk = [
                tuple(row[name] if bind is None else bind(row[name]) for name, bind in fields)
                for row in rows[start : start + 32]
            ]
            connection.exec_driver_sql(compiled.string, chunk)


def inserts(engine: Engine, batches: int) -> None:
    rng = random.Random(5)
    timings: dict[str, list[float]] = {"with rollups": [], "rows only (before 0014)": []}
    for _ in range(batches):
        for name, insert in (
            ("with rollups", insert_rows),
            ("rows only (before 0014)", insert_rows_only),
        ):
            rows = _fresh_rows(BATCH_ROWS, rng)
            began = time.perf_counter()
            insert(engine, rows)
            timings[name].append(time.perf_counter() - began)
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(UsageRow))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"inserts at {total:,} rows ({batches} batches of {BATCH_ROWS} each way):")
    for name, seconds in medians.items():
        print(f"  {name}: {BATCH_ROWS / seconds:,.0f} rows/s ({seconds * 1000:.1f} ms a batch)")
    ratio = medians["with rollups"] / medians["rows only (before 0014)"]
    print(f"  with rollups / rows only: {ratio:.2f}x the time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--inserts-only", action="store_true")
    parser.add_argument("--skip-inserts", action="store_true")
    parser.add_argument("--export-days", type=int, default=7, help="the longer export's days")
    args = parser.parse_args()
    engine = make_engine(args.url)
    upgrade(engine)
    ensure_workspace(engine, 500)
    print(
        f"{engine.dialect.name}: {engine.url.render_as_string(hide_password=True)};"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    if not args.inserts_only:
        reports(engine, args.runs)
        export(engine, args.export_days)
    if not args.skip_inserts:
        inserts(engine, args.batches)
    engine.dispose()


if __name__ == "__main__":
    main()
