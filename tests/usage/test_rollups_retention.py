"""Retention and the export on a real SQLite and PostgreSQL database: old raw rows purged in
bounded batches while the reports keep every whole day from the rollups; the export read in
keyset pages gives every kept row exactly once, in order, ties included."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, func, select

from modelyard.storage.engine import make_session_factory
from modelyard.storage.tables import UsageRow
from modelyard.usage.csv_export import export_rows
from modelyard.usage.journal import insert_rows
from modelyard.usage.reports import TimeRange, usage_report
from modelyard.usage.retention import UsageRetention, purge_raw_usage, retention_cutoff
from tests.support import migrated_engine
from tests.usage.ledger_rows import DAY0, DAYS, as_report, new_workspace_id, usage_rows


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path_factory.mktemp("retention-db")) as made:
        yield made


def _raw_count(engine: Engine, workspace_id: str, before: object = None) -> int:
    statement = select(func.count()).where(UsageRow.workspace_id == workspace_id)
    if before is not None:
        statement = statement.where(UsageRow.started_at < before)
    with engine.connect() as connection:
        return int(connection.scalar(statement) or 0)


def test_retention_purges_old_raw_rows_in_batches_and_keeps_the_reports(engine: Engine) -> None:
    workspace_id = new_workspace_id(engine)
    rows = usage_rows(workspace_id, 300, seed=21)
    insert_rows(engine, rows)
    span = (DAY0, DAY0 + timedelta(days=DAYS))
    sessions = make_session_factory(engine)
    with sessions() as session:
        before = {
            g: as_report(usage_report(session, workspace_id, g, *span)) for g in ("model", "day")
        }
    now = DAY0 + timedelta(days=DAYS + 1, hours=5)  # keep 4 days: the first 3 go
    cutoff = retention_cutoff(4, now)
    assert cutoff == DAY0 + timedelta(days=3)
    old = _raw_count(engine, workspace_id, cutoff)
    assert 0 < old < len(rows)

    commits = [0]

    def count(_connection: object) -> None:
        commits[0] += 1

    event.listen(engine, "commit", count)
    try:
        removed = purge_raw_usage(engine, 4, now=now, batch=40)
    finally:
        event.remove(engine, "commit", count)
    assert removed >= old and _raw_count(engine, workspace_id, cutoff) == 0
    assert _raw_count(engine, workspace_id) == len(rows) - old
    assert commits[0] >= old // 40  # bounded batches, one short transaction each

    with sessions() as session:
        after = {
            g: as_report(usage_report(session, workspace_id, g, *span)) for g in ("model", "day")
        }
        raw = as_report(usage_report(session, workspace_id, "day", *span, rollups=False))
        exported = list(export_rows(session, workspace_id, TimeRange(*span)))
    assert after == before  # whole days: from the rollups, which retention leaves
    assert {row[0] for row in raw} == {
        (DAY0 + timedelta(days=d)).date().isoformat() for d in range(3, DAYS)
    }
    assert len(exported) == len(rows) - old  # the export only has the rows still kept


def test_the_serve_task_purges(engine: Engine) -> None:
    """The background task of ``serve`` (one tick, then stopped) purges like the function."""
    workspace_id = new_workspace_id(engine)
    insert_rows(engine, usage_rows(workspace_id, 50, seed=22))  # all years ago
    task = UsageRetention(engine, days=30, every_s=3600)

    async def tick() -> None:
        task.start()
        for _ in range(500):
            if _raw_count(engine, workspace_id) == 0:
                break
            await asyncio.sleep(0.01)
        await task.stop()

    asyncio.run(tick())
    assert _raw_count(engine, workspace_id) == 0


def test_export_pages_give_every_row_once_in_order(engine: Engine) -> None:
    workspace_id = new_workspace_id(engine)
    rows = usage_rows(workspace_id, 230, seed=23)  # one in five shares an instant
    insert_rows(engine, rows)
    span = TimeRange(DAY0 + timedelta(hours=2), DAY0 + timedelta(days=5))
    wanted = sorted(
        (row["started_at"], row["id"]) for row in rows if span.start <= row["started_at"] < span.end
    )
    with make_session_factory(engine)() as session:
        lines = list(export_rows(session, workspace_id, span, page_rows=7))
        tests_only = list(export_rows(session, workspace_id, span, "only", page_rows=7))
    assert [line[0] for line in lines] == [call_id for _instant, call_id in wanted]
    assert [line[1] for line in lines] == [instant.isoformat() for instant, _id in wanted]
    test_ids = {row["id"] for row in rows if row["is_test"]}
    assert {line[0] for line in tests_only} == test_ids & {line[0] for line in lines}
