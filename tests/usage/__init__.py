"""Tests of usage recording and reports; ``stored_rows`` reads what the recorder stored."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from modelyard.storage.tables import UsageRow
from tests.support import RunningServer


def stored_rows(server: RunningServer, expected: int | None = None, **where: Any) -> list[UsageRow]:
    """The usage rows matching ``where`` (column=value), oldest first, after flushing the
    server's recorder; with ``expected``, waits up to 5 s for that many (a streamed call is
    recorded just after its last chunk left)."""
    deadline = time.monotonic() + 5
    while True:
        assert server.services.meter.flush_from_thread()
        with server.services.session() as session:
            statement = select(UsageRow).order_by(UsageRow.started_at, UsageRow.id)
            for name, value in where.items():
                statement = statement.where(getattr(UsageRow, name) == value)
            rows = list(session.scalars(statement))
        if expected is None or len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)
