"""The usage recorder against a real SQLite and PostgreSQL database: batches, the journal,
idempotent replay, and a database that goes away and comes back."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg
import pytest
from sqlalchemy import Engine, event, func, select, text

from modelyard.llm_types import Usage
from modelyard.storage.tables import UsageRow
from modelyard.usage.cost import UnitPrices
from modelyard.usage.journal import to_row
from modelyard.usage.meter import CallRecord
from modelyard.usage.recorder import UsageRecorder
from tests.support import POSTGRES_ADMIN_URL, migrated_engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A fresh migrated database of its own: these tests take it down and up again."""
    with migrated_engine(request.param, tmp_path_factory.mktemp("usage-db")) as made:
        yield made


def a_call(workspace_id: str, **fields: object) -> CallRecord:
    values: dict[str, object] = {
        "workspace_id": workspace_id,
        "user_id": "usr_test",
        "api_key_id": "key_test",
        "endpoint": "chat",
        "model_id": "mdl_test",
        "model_slug": "test-model",
        "deployment_id": "dep_test",
        "status": 200,
        "usage": Usage(input_tokens=10, output_tokens=5),
        "prices": UnitPrices(input=Decimal(2), output=Decimal("8.5")),
        "cost_usd": Decimal("0.0000625"),
        "latency_ms": 12.5,
        "started_at": datetime.now(UTC),
    }
    values.update(fields)
    return CallRecord(**values)  # type: ignore[arg-type]


def stored(engine: Engine, workspace_id: str) -> int:
    with engine.connect() as connection:
        count = connection.scalar(
            select(func.count()).select_from(UsageRow).where(UsageRow.workspace_id == workspace_id)
        )
    return int(count or 0)


def journals(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl")) if directory.exists() else []


def lines(directory: Path) -> int:
    return sum(len(path.read_bytes().splitlines()) for path in journals(directory))


@contextmanager
def counting_commits(engine: Engine) -> Iterator[list[int]]:
    """Counts committed transactions through a real engine event (no stand-in)."""
    counter = [0]

    def on_commit(_connection: object) -> None:
        counter[0] += 1

    event.listen(engine, "commit", on_commit)
    try:
        yield counter
    finally:
        event.remove(engine, "commit", on_commit)


async def eventually(check: Callable[[], bool], within_s: float = 3.0) -> bool:
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def test_a_full_batch_is_stored_at_once_in_one_transaction(engine: Engine, tmp_path: Path) -> None:
    ws = f"ws_{secrets.token_hex(6)}"
    directory = tmp_path / "j"
    recorder = UsageRecorder(engine, directory, batch_records=50, interval_s=60)

    async def scenario() -> None:
        recorder.start()
        for _ in range(49):
            recorder.record(a_call(ws))
        await asyncio.sleep(0.3)
        assert stored(engine, ws) == 0 and lines(directory) == 49  # journaled, not stored
        before = counter[0]
        recorder.record(a_call(ws))  # the 50th wakes the flusher long before its interval
        assert await eventually(lambda: stored(engine, ws) == 50)
        assert counter[0] - before == 1  # one transaction for the batch
        assert await eventually(lambda: lines(directory) == 0)  # its journal file is gone
        await recorder.stop()

    with counting_commits(engine) as counter:
        asyncio.run(scenario())
    assert journals(directory) == [] and not list(directory.glob("*.lock"))


def test_a_partial_batch_is_stored_after_the_interval(engine: Engine, tmp_path: Path) -> None:
    ws = f"ws_{secrets.token_hex(6)}"
    recorder = UsageRecorder(engine, tmp_path / "j", batch_records=1000, interval_s=0.3)

    async def scenario() -> None:
        recorder.start()
        for _ in range(3):
            recorder.record(a_call(ws))
        assert stored(engine, ws) == 0
        assert await eventually(lambda: stored(engine, ws) == 3)
        await recorder.stop()

    asyncio.run(scenario())


def test_stop_drains_everything(engine: Engine, tmp_path: Path) -> None:
    ws = f"ws_{secrets.token_hex(6)}"
    recorder = UsageRecorder(engine, tmp_path / "j", interval_s=30)

    async def scenario() -> None:
        recorder.start()
        for n in range(7):
            recorder.record(a_call(ws, status=500 if n == 0 else 200))
        await recorder.stop()

    asyncio.run(scenario())
    assert stored(engine, ws) == 7 and journals(tmp_path / "j") == []


def test_rows_keep_every_field_exactly(engine: Engine, tmp_path: Path) -> None:
    ws = f"ws_{secrets.token_hex(6)}"
    started = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    call = a_call(
        ws,
        usage=Usage(3, 4, 5, 6, 2, 1),
        prices=UnitPrices(
            Decimal("0.000001"), Decimal("1.25"), None, Decimal("3"), Decimal("0.04")
        ),
        cost_usd=Decimal("0.0400000123456789012345678"),
        fallback_path=["mdl_a", "mdl_b"],
        error="x" * 900,
        stream=True,
        started_at=started,
    )
    recorder = UsageRecorder(engine, tmp_path / "j")

    async def scenario() -> None:
        recorder.record(call)
        assert await recorder.flush()
        await recorder.stop()

    asyncio.run(scenario())
    with engine.connect() as connection:
        row = connection.execute(select(UsageRow).where(UsageRow.id == call.id)).one()
    assert row.cost_usd == call.cost_usd and row.input_price == Decimal("0.000001")
    assert row.cache_read_price is None and row.image_price == Decimal("0.04")
    assert (row.input_tokens, row.cache_write_tokens, row.reasoning_tokens, row.images) == (
        3,
        6,
        2,
        1,
    )
    assert row.started_at == started and row.fallback_path == ["mdl_a", "mdl_b"]
    assert row.stream is True and row.error == "x" * 500  # cut to the column, not refused


def test_replay_is_idempotent_and_skips_a_torn_line(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A crash after the commit but before the journal was removed: replaying it stores nothing
    twice. The last line of a journal may be cut short by a crash: it is skipped."""
    ws = f"ws_{secrets.token_hex(6)}"
    directory = tmp_path / "j"
    first = UsageRecorder(engine, directory)
    calls = [a_call(ws) for _ in range(10)]
    kept = tmp_path / "kept.jsonl"

    async def crash_after_commit() -> None:
        for call in calls:
            first.record(call)
        (current,) = journals(directory)
        shutil.copy(current, kept)  # what the crashed process would have left behind
        assert await first.flush()
        await first.stop()

    asyncio.run(crash_after_commit())
    assert stored(engine, ws) == 10
    late = a_call(ws)  # recorded, journaled, never stored
    data = kept.read_bytes() + _line_of(late) + _line_of(a_call(ws))[:40]
    (directory / "deadbeef.0-000000001.jsonl").write_bytes(data)

    second = UsageRecorder(engine, directory)

    async def restart() -> int:
        count = await second.replay()
        await second.stop()
        return count

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(restart()) == 11
    assert stored(engine, ws) == 11  # the 10 once, and the late one
    assert journals(directory) == []
    assert "skipped 1 unreadable line" in caplog.text


def _line_of(call: CallRecord) -> bytes:
    return orjson.dumps(to_row(call), option=orjson.OPT_APPEND_NEWLINE)


def test_journals_of_a_live_process_are_left_alone(engine: Engine, tmp_path: Path) -> None:
    ws = f"ws_{secrets.token_hex(6)}"
    directory = tmp_path / "j"
    alive, newcomer = UsageRecorder(engine, directory), UsageRecorder(engine, directory)

    async def scenario() -> None:
        for _ in range(5):
            alive.record(a_call(ws))  # holds its lock, as a running process does
        assert await newcomer.replay() == 0
        assert lines(directory) == 5
        await alive.stop()
        await newcomer.stop()

    asyncio.run(scenario())
    assert stored(engine, ws) == 5


def _take_down(engine: Engine) -> None:
    """The database stops answering: PostgreSQL refuses connections (and drops the open ones);
    SQLite, which cannot be down, loses its table."""
    if engine.dialect.name == "postgresql":
        name = engine.url.database
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
    else:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE usage_records RENAME TO usage_records_away"))


def _bring_back(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{engine.url.database}" ALLOW_CONNECTIONS true')
    else:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE usage_records_away RENAME TO usage_records"))


def test_database_down_then_back(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ws = f"ws_{secrets.token_hex(6)}"
    directory = tmp_path / "j"
    recorder = UsageRecorder(engine, directory, batch_records=20, interval_s=0.05)
    secret_marker = "usr_" + secrets.token_hex(8)

    async def scenario() -> None:
        recorder.start()
        for _ in range(10):
            recorder.record(a_call(ws))
        assert await recorder.flush()
        _take_down(engine)
        try:
            for _ in range(65):  # more than three batches: sealed files pile up on disk
                recorder.record(a_call(ws, user_id=secret_marker))
                await asyncio.sleep(0.002)
            await asyncio.sleep(0.3)
            assert not await recorder.flush()
            assert lines(directory) == 65 and len(journals(directory)) >= 3
            assert recorder.waiting == 0  # held by the journal, not by memory
        finally:
            _bring_back(engine)
        assert await recorder.flush()
        await recorder.stop()

    with caplog.at_level(logging.WARNING, logger="modelyard.usage.recorder"):
        asyncio.run(scenario())
    assert stored(engine, ws) == 75 and journals(directory) == []
    assert "could not store usage records" in caplog.text
    assert "being stored again" in caplog.text
    assert secret_marker not in caplog.text and "INSERT" not in caplog.text
