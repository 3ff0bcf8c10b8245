"""Pending journal lines against a real SQLite and PostgreSQL database: pairing with ended
records at replay, the newest line of a call winning, and compaction keeping open calls only."""

from __future__ import annotations

import asyncio
import secrets
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from modelyard.llm_types import Usage
from modelyard.storage.tables import UsageRow
from modelyard.usage.recorder import UsageRecorder
from tests.usage.test_recorder import a_call, engine  # noqa: F401  (the module's fixture)


def _rows(db: Engine, ws: str) -> dict[str, UsageRow]:
    with db.connect() as connection:
        found = connection.execute(select(UsageRow).where(UsageRow.workspace_id == ws)).all()
    return {row.id: row for row in found}  # type: ignore[misc]


def test_replay_pairs_pending_lines_with_their_ends(engine: Engine, tmp_path: Path) -> None:  # noqa: F811
    ws = f"ws_{secrets.token_hex(6)}"
    directory = tmp_path / "j"
    dead = UsageRecorder(engine, directory)
    stored_end, journaled_end, open_call, fell_back = (a_call(ws) for _ in range(4))
    estimate = Usage(input_tokens=1000, output_tokens=300)

    async def killed() -> None:
        for call in (stored_end, journaled_end, open_call):
            dead.begin(a_call(ws, id=call.id, usage=estimate, status=500))
        dead.begin(a_call(ws, id=fell_back.id, usage=estimate, deployment_id="dep_first"))
        dead.begin(a_call(ws, id=fell_back.id, usage=estimate, deployment_id="dep_second"))
        dead.record(stored_end)
        assert await dead.flush()  # stored, its journal file removed; the pending line stays
        dead.record(journaled_end)  # journaled only
        # killed here: no stop(), the lock is dropped as the kernel would
        dead._journal._owner.release()

    asyncio.run(killed())
    assert list(directory.glob("*.pending"))

    async def restart() -> None:
        second = UsageRecorder(engine, directory)
        await second.replay()
        await second.stop()

    asyncio.run(restart())
    rows = _rows(engine, ws)
    assert set(rows) == {stored_end.id, journaled_end.id, open_call.id, fell_back.id}
    assert rows[stored_end.id].outcome is None and rows[stored_end.id].status == 200
    assert rows[journaled_end.id].outcome is None and rows[journaled_end.id].input_tokens == 10
    for call_id in (open_call.id, fell_back.id):
        row = rows[call_id]
        assert row.outcome == "unknown_outcome"
        assert (row.input_tokens, row.output_tokens) == (1000, 300)
        assert row.cost_usd == (1000 * Decimal(2) + 300 * Decimal("8.5")) / 1_000_000
    assert rows[fell_back.id].deployment_id == "dep_second"  # the newest attempt counts
    assert not list(directory.iterdir())  # nothing left: replay is done with every file

    asyncio.run(restart())  # a second replay adds nothing
    assert len(_rows(engine, ws)) == 4


def test_compaction_keeps_only_open_calls(engine: Engine, tmp_path: Path) -> None:  # noqa: F811
    ws = f"ws_{secrets.token_hex(6)}"
    directory = tmp_path / "j"
    recorder = UsageRecorder(engine, directory)
    calls = [a_call(ws) for _ in range(10)]

    async def scenario() -> None:
        for call in calls:
            recorder.begin(call)
        for call in calls[:7]:
            recorder.record(call)
        recorder._calls.compact()
        (pending,) = directory.glob("*.pending")
        assert len(pending.read_bytes().splitlines()) == 3
        for call in calls[7:]:
            recorder.record(call)
        recorder._calls.compact()
        assert not list(directory.glob("*.pending"))  # none open: no file
        await recorder.stop()

    asyncio.run(scenario())
    assert len(_rows(engine, ws)) == 10 and not list(directory.glob("*.pending"))
