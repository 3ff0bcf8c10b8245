"""The hot path runs from memory: no database query per call once warm, and admin changes
are in force on the very next call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace, ok


@contextmanager
def counting_queries(ws: Workspace) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = ws.server.services.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_no_database_query_per_call(ws: Workspace, fake: FakeProvider) -> None:
    chat = add_model(ws, fake, identifier="fake-model")
    embed = add_model(ws, fake, kind="embedding", identifier="fake-embed-8")
    client = sdk(ws)
    client.chat.completions.create(
        model=chat["slug"], messages=[{"role": "user", "content": "warm"}]
    )
    with counting_queries(ws) as statements:
        for _ in range(5):
            client.chat.completions.create(
                model=chat["slug"], messages=[{"role": "user", "content": "x"}]
            )
            list(
                client.chat.completions.create(
                    model=chat["slug"], messages=[{"role": "user", "content": "x"}], stream=True
                )
            )
            client.embeddings.create(model=embed["slug"], input="x")
            client.models.list()
    # Off the request path: the config-version poll and the usage recorder's batched inserts
    # (with the daily rollups, written in the same transaction as each batch).
    background = ("config_version", "usage_records", "usage_rollups")
    assert [s for s in statements if not any(word in s for word in background)] == []


def test_admin_changes_apply_to_the_next_call(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fake-model")
    client = sdk(ws)
    client.chat.completions.create(model=model["slug"], messages=[{"role": "user", "content": "x"}])
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{model['id']}", json={"slug": "renamed"}))
    answer = client.chat.completions.create(
        model="renamed", messages=[{"role": "user", "content": "x"}]
    )
    assert answer.model == "renamed"


def test_revoked_api_key_stops_at_once(ws: Workspace, fake: FakeProvider) -> None:
    import openai
    import pytest

    model = add_model(ws, fake, identifier="fake-model")
    member_id, member_key = ws.add_user("member")
    member = sdk(ws, member_key)
    member.chat.completions.create(model=model["slug"], messages=[{"role": "user", "content": "x"}])
    with ws.owner() as api:
        keys = ok(api.get(f"/api/users/{member_id}/api-keys"))
        ok(api.delete(f"/api/api-keys/{keys[0]['id']}"), 204)
    with pytest.raises(openai.AuthenticationError):
        member.chat.completions.create(
            model=model["slug"], messages=[{"role": "user", "content": "x"}]
        )
