"""The response store on the real database: per user, retention, purge on write."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from modelyard.gateway.responses.store import ResponseStore
from modelyard.storage.tables import StoredResponseRow
from tests.support import Workspace


def test_retention_hides_and_purges_old_responses(ws: Workspace) -> None:
    services = ws.server.services
    now = datetime.now(UTC)
    clock = [now - timedelta(days=3)]
    store = ResponseStore(services.sessions, retention_days=2, clock=lambda: clock[0])
    old = {"id": f"resp_old{ws.id[-8:]}", "output": []}
    new = {"id": f"resp_new{ws.id[-8:]}", "output": []}
    items = [{"type": "message", "role": "user", "content": "hi"}]

    store.save(ws.id, ws.owner_id, items, old)
    stored = asyncio.run(store.load(ws.id, ws.owner_id, old["id"]))  # from the queue
    assert stored is not None and stored.input_items == items and stored.response == old
    store.flush()
    with services.session() as session:
        assert session.get(StoredResponseRow, old["id"]) is not None
    stored = asyncio.run(store.load(ws.id, ws.owner_id, old["id"]))  # from the database
    assert stored is not None and stored.response == old
    member_id, _ = ws.add_user("member")
    assert asyncio.run(store.load(ws.id, member_id, old["id"])) is None  # not theirs
    assert asyncio.run(store.delete(ws.id, member_id, old["id"])) is False

    clock[0] = now  # three days later: past the retention
    assert asyncio.run(store.load(ws.id, ws.owner_id, old["id"])) is None
    store._purged_at = float("-inf")  # due for a purge on the next write
    store.save(ws.id, ws.owner_id, items, new)
    store.flush()
    with services.session() as session:
        ids = set(session.scalars(select(StoredResponseRow.id)))
    assert old["id"] not in ids and new["id"] in ids
    assert asyncio.run(store.delete(ws.id, ws.owner_id, new["id"])) is True
    queued = {"id": f"resp_queued{ws.id[-8:]}", "output": []}
    store.save(ws.id, ws.owner_id, items, queued)  # deleted before its flush: never stored
    assert asyncio.run(store.delete(ws.id, ws.owner_id, queued["id"])) is True
    store.flush()
    assert asyncio.run(store.load(ws.id, ws.owner_id, queued["id"])) is None


def test_a_row_whose_user_is_gone_does_not_hold_the_others_back(ws: Workspace) -> None:
    store = ResponseStore(ws.server.services.sessions, retention_days=30)
    kept = {"id": f"resp_kept{ws.id[-8:]}", "output": []}
    lost = {"id": f"resp_lost{ws.id[-8:]}", "output": []}
    store.save(ws.id, "usr_no_such_user", [], lost)
    store.save(ws.id, ws.owner_id, [], kept)
    store.flush()
    with ws.server.services.session() as session:
        ids = set(session.scalars(select(StoredResponseRow.id)))
    assert kept["id"] in ids and lost["id"] not in ids
    assert asyncio.run(store.load(ws.id, ws.owner_id, kept["id"])) is not None
