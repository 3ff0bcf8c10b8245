"""A provider secret never appears in a response, a log line or the database's bytes."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from tests.support import Workspace, ok, sqlite_files

SECRET = "sk-live-UNIQUE-7d1e5c0a9b8f4e2dZZ"
ROTATED = "sk-live-ROTATED-0f9e8d7c6b5a4321YY"


def _database_bytes(ws: Workspace) -> bytes:
    services = ws.server.services
    if ws.server.backend == "sqlite":
        with services.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
        return b"".join(path.read_bytes() for path in sqlite_files(services.settings.data_dir))
    with services.engine.connect() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        dump = []
        for table in tables:
            rows = connection.execute(text(f'SELECT t::text FROM "{table}" AS t')).scalars()
            dump.extend(rows)
    return "\n".join(dump).encode()


def test_secret_is_write_only_everywhere(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen = []
    with ws.owner() as api:
        created = api.post(
            "/api/model-keys",
            json={
                "name": "k",
                "provider": "openai",
                "secret": SECRET,
                "base_url": "http://127.0.0.1:1/v1",
            },
        )
        seen.append(created.text)
        key_id = ok(created, 201)["id"]
        seen.append(api.get("/api/model-keys").text)
        seen.append(api.get(f"/api/model-keys/{key_id}").text)
        # Errors caused by bad input must not echo the secret either.
        seen.append(
            api.post(
                "/api/model-keys", json={"name": "", "provider": "openai", "secret": SECRET}
            ).text
        )
        seen.append(
            api.post(
                "/api/model-keys",
                json={"name": "k", "provider": "nope", "secret": SECRET, "base_url": "x"},
            ).text
        )
        seen.append(
            api.patch(
                f"/api/model-keys/{key_id}", json={"secret": SECRET, "base_url": "ftp://x"}
            ).text
        )
        seen.append(api.patch(f"/api/model-keys/{key_id}", json={"secret": ROTATED}).text)
        seen.append(api.get("/api/audit").text)
        seen.append(api.get("/openapi.json").text)
    for body in seen:
        assert SECRET not in body and ROTATED not in body
    assert SECRET not in caplog.text and ROTATED not in caplog.text
    stored = _database_bytes(ws)
    assert key_id.encode() in stored  # the scan does see the rows
    assert SECRET.encode() not in stored and ROTATED.encode() not in stored
    assert SECRET[-12:].encode() not in stored


def test_user_api_keys_are_stored_hashed(ws: Workspace) -> None:
    _, member_key = ws.add_user("member")
    stored = _database_bytes(ws)
    assert member_key.encode() not in stored
    assert ws.owner_key.encode() not in stored
