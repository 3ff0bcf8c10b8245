"""Fill a Modelyard database with synthetic usage rows, fast, for ``bench/ledger.py``.

Run: ``.venv/bin/python bench/ledger_generate.py --url URL --rows N [--days 365]``. The database
is migrated first; rows are added to what is there (run it again with more rows to grow the
table step by step), then the daily rollups are rebuilt from the raw rows in SQL
(``usage.rollups.rebuild``: the rows went in behind the recorder's back) and the tables are
analysed. PostgreSQL gets the rows by ``COPY`` (10 M rows in a few minutes), SQLite by
``executemany`` in one transaction per 50,000 rows.

The shape is a busy workspace: one workspace, ``--users`` users (one or two API keys each) who
each mostly (95 %) call 3 of ``--models`` models (two deployments each, the first taking
85 % of the calls), 3 % errors, 0.5 % live-test
calls, exact decimal costs from the tokens, the calls spread evenly over the ``--days`` days
ending yesterday (UTC), in time order, with ids shaped like the recorder's (a random prefix per
process, then a counter).
"""

from __future__ import annotations

import argparse
import random
import secrets
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select, text

from modelyard.storage.engine import make_engine
from modelyard.storage.migrate import upgrade
from modelyard.storage.tables import UsageRow, UserRow, WorkspaceRow
from modelyard.usage.rollups import rebuild

WORKSPACE = "ws_ledger_bench"
COLUMNS = [column.name for column in UsageRow.__table__.columns]
MILLION = Decimal(1_000_000)
IDS_PER_PROCESS = 250_000


def end_of_data() -> datetime:
    """Midnight UTC today: the data ends yesterday, so whole-month ranges are all rollups."""
    return datetime.combine(datetime.now(UTC).date(), datetime.min.time(), UTC)


def ensure_workspace(engine: Engine, users: int) -> None:
    with engine.begin() as connection:
        if connection.scalar(select(WorkspaceRow.id).where(WorkspaceRow.id == WORKSPACE)):
            return
        connection.execute(insert(WorkspaceRow).values(id=WORKSPACE, name="ledger bench"))
        connection.execute(
            insert(UserRow),
            [
                {
                    "id": f"usr_{n:04d}",
                    "workspace_id": WORKSPACE,
                    "email": f"user{n}@bench.test",
                    "role": "member",
                }
                for n in range(users)
            ],
        )


TEMPLATES = 1 << 16
# COPY's and executemany's column order: the two columns set per row first, then the template's.
ORDER = ["id", "started_at", *(name for name in COLUMNS if name not in ("id", "started_at"))]


def templates(*, users: int, models: int, seed: int) -> list[list[Any]]:
    """TEMPLATES random calls (every column but id and started_at, in ORDER): rows are drawn
    from them, so that 10 M rows cost a few microseconds each to make."""
    rng = random.Random(seed)
    prices = [
        (Decimal(rng.choice(["0.15", "2", "2.5", "3"])), Decimal(rng.choice(["0.6", "8", "15"])))
        for _ in range(models)
    ]
    favourites = [rng.sample(range(models), 3) for _ in range(users)]
    keys = [[f"key_{u:04d}_{k}" for k in range(rng.choice([1, 2]))] for u in range(users)]
    made: list[list[Any]] = []
    for _ in range(TEMPLATES):
        user = rng.randrange(users)
        model = rng.choice(favourites[user]) if rng.random() < 0.95 else rng.randrange(models)
        status = 200 if rng.random() >= 0.03 else rng.choice([429, 500, 502])
        tokens_in = rng.randrange(20, 4000) if status == 200 else 0
        tokens_out = rng.randrange(0, 1200) if status == 200 else 0
        input_price, output_price = prices[model]
        cost = (tokens_in * input_price + tokens_out * output_price) / MILLION
        values = {
            "workspace_id": WORKSPACE,
            "user_id": f"usr_{user:04d}",
            "api_key_id": rng.choice(keys[user]),
            "endpoint": "chat",
            "model_id": f"mdl_{model:03d}",
            "model_slug": f"model-{model}",
            "deployment_id": f"dep_{model:03d}_{0 if rng.random() < 0.85 else 1}",
            "fallback_path": "[]",
            "status": status,
            "stream": rng.random() < 0.6,
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
            "images": 0,
            "latency_ms": round(rng.uniform(80, 3000), 3),
            "input_price": str(input_price),
            "output_price": str(output_price),
            "cache_read_price": None,
            "cache_write_price": None,
            "image_price": None,
            "cost_usd": format(cost, "f"),
            "error": None if status == 200 else "upstream error",
            "request_id": None,
            "outcome": None,
            "is_test": rng.random() < 0.005,
        }
        made.append([values[name] for name in ORDER[2:]])
    return made


def rows(
    count: int, *, days: int, users: int, models: int, seed: int
) -> Iterator[tuple[str, datetime, list[Any]]]:
    """``count`` rows, oldest first: (id, started_at, the other columns in ORDER)."""
    rng = random.Random(seed)
    pool = templates(users=users, models=models, seed=seed)
    end = end_of_data()
    start = end - timedelta(days=days)
    step = (end - start) / count
    prefix = ""
    draw = rng.getrandbits
    for index in range(count):
        if index % IDS_PER_PROCESS == 0:
            prefix = secrets.token_hex(8)
        yield f"use_{prefix}{index % IDS_PER_PROCESS:08x}", start + step * index, pool[draw(16)]


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def copy_postgres(engine: Engine, source: Iterator[tuple[str, datetime, list[Any]]]) -> None:
    """COPY in text format, each template's columns formatted once."""
    texts: dict[int, str] = {}
    raw: Any = engine.raw_connection()
    try:
        statement = f"COPY usage_records ({', '.join(ORDER)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            lines: list[str] = []
            for call_id, started_at, template in source:
                tail = texts.get(id(template))
                if tail is None:
                    tail = texts[id(template)] = "\t".join(map(_copy_text, template))
                lines.append(f"{call_id}\t{started_at.isoformat()}\t{tail}\n")
                if len(lines) == 20_000:
                    copy.write("".join(lines))
                    lines = []
            copy.write("".join(lines))
        raw.commit()
    finally:
        raw.close()


def insert_sqlite(engine: Engine, source: Iterator[tuple[str, datetime, list[Any]]]) -> None:
    raw: Any = engine.raw_connection()
    connection: sqlite3.Connection = raw.driver_connection
    marks = ", ".join("?" * len(ORDER))
    sql = f"INSERT INTO usage_records ({', '.join(ORDER)}) VALUES ({marks})"
    try:
        chunk: list[tuple[Any, ...]] = []
        for call_id, started_at, template in source:
            # SQLAlchemy's text form of a UTC timestamp on SQLite
            chunk.append((call_id, started_at.strftime("%Y-%m-%d %H:%M:%S.%f"), *template))
            if len(chunk) == 50_000:
                connection.executemany(sql, chunk)
                connection.commit()
                chunk = []
        connection.executemany(sql, chunk)
        connection.commit()
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (SQLAlchemy form)")
    parser.add_argument("--rows", type=int, required=True, help="rows to add")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--models", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    engine = make_engine(args.url)
    upgrade(engine)
    ensure_workspace(engine, args.users)
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    source = rows(args.rows, days=args.days, users=args.users, models=args.models, seed=seed)
    began = time.perf_counter()
    if engine.dialect.name == "postgresql":
        copy_postgres(engine, source)
    else:
        insert_sqlite(engine, source)
    loaded = time.perf_counter()
    with engine.begin() as connection:
        rebuild(connection)
    rebuilt = time.perf_counter()
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE usage_records")
            )
            connection.execute(text("ANALYZE usage_rollups_model"))
            connection.execute(text("ANALYZE usage_rollups_user"))
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()
        total = connection.scalar(select(text("count(*)")).select_from(UsageRow.__table__))
        rollups = connection.scalar(text("SELECT count(*) FROM usage_rollups_model"))
    print(
        f"added {args.rows:,} rows in {loaded - began:.1f} s ({args.rows / (loaded - began):,.0f}"
        f" rows/s); rollups rebuilt in {rebuilt - loaded:.1f} s; now {total:,} usage rows,"
        f" {rollups:,} rows of usage_rollups_model"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
