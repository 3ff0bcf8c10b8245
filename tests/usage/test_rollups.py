"""Daily rollups on a real SQLite and PostgreSQL database: kept current by the batch insert,
never counting a replayed call twice, giving the reports exactly what the raw rows give, and
backfilled by migration 0014."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, insert, select

from modelyard.storage.engine import make_engine, make_session_factory
from modelyard.storage.migrate import alembic_config
from modelyard.storage.tables import UsageModelRollupRow, UsageRow, UsageUserRollupRow
from modelyard.usage.journal import insert_rows
from modelyard.usage.reports import GROUPS, usage_report
from tests.support import migrated_engine, postgres_database
from tests.usage.ledger_rows import DAY0, DAYS, as_report, new_workspace_id, usage_rows

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path_factory.mktemp("rollup-db")) as made:
        yield made


def _rollup_totals(engine: Engine, workspace_id: str) -> tuple[int, int, Decimal]:
    """Calls, input tokens and cost in each rollup table: both must hold the same totals."""
    totals = []
    with engine.connect() as connection:
        for table in (UsageModelRollupRow, UsageUserRollupRow):
            calls, tokens = connection.execute(
                select(func.sum(table.calls), func.sum(table.input_tokens)).where(
                    table.workspace_id == workspace_id
                )
            ).one()
            costs = connection.scalars(
                select(table.cost_usd).where(table.workspace_id == workspace_id)
            )
            totals.append((int(calls or 0), int(tokens or 0), sum(costs, Decimal(0))))
    assert totals[0] == totals[1]
    return totals[0]


def _ranges() -> list[tuple[datetime, datetime]]:
    """Whole days, ranges cut inside days at either end, a range inside one day, one past
    the data."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    return [
        (DAY0, DAY0 + DAYS * day),
        (DAY0 + 5 * hour, DAY0 + 3 * day + 7 * hour),
        (DAY0 + day + 90 * timedelta(minutes=1), DAY0 + day + 20 * hour),
        (DAY0 - day, DAY0 + 2 * day + timedelta(seconds=1)),
        (DAY0 + 2 * day, DAY0 + 4 * day),
        (DAY0 + DAYS * day, DAY0 + (DAYS + 2) * day),
    ]


def test_rollups_follow_every_stored_batch(engine: Engine) -> None:
    workspace_id = new_workspace_id(engine)
    rows = usage_rows(workspace_id, 300)
    for start in range(0, len(rows), 70):  # the recorder's batches
        insert_rows(engine, rows[start : start + 70])
    expected = (
        len(rows),
        sum(row["input_tokens"] for row in rows),
        sum((Decimal(row["cost_usd"]) for row in rows), Decimal(0)),
    )
    assert _rollup_totals(engine, workspace_id) == expected


def test_a_replayed_batch_is_not_counted_twice(engine: Engine) -> None:
    workspace_id = new_workspace_id(engine)
    rows = usage_rows(workspace_id, 120, seed=11)
    insert_rows(engine, rows[:80])
    insert_rows(engine, rows[:80])  # a journal replayed after a crash
    insert_rows(engine, rows[40:])  # half known, half new
    insert_rows(engine, [rows[100], rows[100]])  # the same call twice in one batch
    calls, tokens, cost = _rollup_totals(engine, workspace_id)
    assert calls == len(rows)
    assert tokens == sum(row["input_tokens"] for row in rows)
    assert cost == sum((Decimal(row["cost_usd"]) for row in rows), Decimal(0))


@pytest.mark.parametrize("tests", ["include", "exclude", "only"])
def test_reports_from_rollups_equal_reports_from_raw_rows(engine: Engine, tests: str) -> None:
    workspace_id = new_workspace_id(engine)
    insert_rows(engine, usage_rows(workspace_id, 400, seed=3))
    sessions = make_session_factory(engine)
    with sessions() as session:
        for group_by in GROUPS:
            for start, end in _ranges():
                fast = usage_report(session, workspace_id, group_by, start, end, tests=tests)
                raw = usage_report(
                    session, workspace_id, group_by, start, end, tests=tests, rollups=False
                )
                assert as_report(fast) == as_report(raw), (group_by, start, end)


def test_the_report_counts_what_was_inserted(engine: Engine) -> None:
    """Against a sum taken here, in Python, from the inserted rows: per user, a cut range."""
    workspace_id = new_workspace_id(engine)
    rows = usage_rows(workspace_id, 250, seed=5)
    insert_rows(engine, rows)
    start, end = DAY0 + timedelta(hours=13), DAY0 + timedelta(days=4, hours=2)
    expected: dict[str, tuple[int, int, Decimal]] = {}
    for row in rows:
        if start <= row["started_at"] < end and not row["is_test"]:
            count, errors, cost = expected.get(row["user_id"], (0, 0, Decimal(0)))
            expected[row["user_id"]] = (
                count + 1,
                errors + (row["status"] >= 400),
                cost + Decimal(row["cost_usd"]),
            )
    with make_session_factory(engine)() as session:
        report = usage_report(session, workspace_id, "user", start, end, tests="exclude")
    got = {r.key: (r.totals.requests, r.totals.errors, r.totals.cost_usd) for r in report}
    assert got == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0014_backfills_the_rollups(backend: str, tmp_path: Path) -> None:
    """A database with usage rows at 0013, upgraded: its reports read the backfilled rollups
    and equal the raw rows' totals."""
    with _engine_at_0013(backend, tmp_path) as made:
        workspace_id = new_workspace_id(made)
        rows = usage_rows(workspace_id, 200, seed=9)
        with made.begin() as connection:
            connection.execute(insert(UsageRow), rows)
        command.upgrade(alembic_config(made), "head")
        with make_session_factory(made)() as session:
            for group_by in ("model", "user", "day"):
                start, end = DAY0, DAY0 + timedelta(days=DAYS)
                fast = usage_report(session, workspace_id, group_by, start, end)
                raw = usage_report(session, workspace_id, group_by, start, end, rollups=False)
                assert as_report(fast) == as_report(raw)
        assert _rollup_totals(made, workspace_id)[0] == len(rows)


@contextmanager
def _engine_at_0013(backend: str, directory: Path) -> Iterator[Engine]:
    """A fresh database of its own, migrated only up to 0013 (before the rollups)."""
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{directory / 'at0013.db'}"
        else:
            url = stack.enter_context(postgres_database())
        made = make_engine(url)
        stack.callback(made.dispose)
        command.upgrade(alembic_config(made), "0013")
        yield made
