"""The scheduled refresh: it runs on MODELYARD_CATALOG_REFRESH_HOURS, refuses a source the
upstream-host policy refuses (stored as failed, saying why), and with two servers on one
PostgreSQL database only one of them refreshes (the advisory lock)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from modelyard.storage.tables import CatalogUpdateRow
from tests.catalog.refresh_source import CatalogSource
from tests.catalog.test_refresh import active_version, refresh_settings
from tests.support import (
    RunningServer,
    error_of,
    new_workspace,
    ok,
    postgres_database,
    running_server,
)


def stored_updates(server: RunningServer) -> list[CatalogUpdateRow]:
    with server.services.session() as session:
        return list(session.scalars(select(CatalogUpdateRow).order_by(CatalogUpdateRow.created_at)))


def wait_for(server: RunningServer, count: int, seconds: float = 10) -> list[CatalogUpdateRow]:
    deadline = time.monotonic() + seconds
    while len(rows := stored_updates(server)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return rows


def test_schedule_refuses_a_private_host(tmp_path: Path) -> None:
    url = "http://169.254.169.254/catalog.json"  # the cloud metadata address: never allowed
    settings = refresh_settings(tmp_path, None, url, 0.0003)  # about every second
    with running_server(settings, "sqlite") as server:
        rows = wait_for(server, 2)
        assert len(rows) >= 2, "the schedule ran once at most"
        assert {(r.trigger, r.status) for r in rows} == {("schedule", "failed")}
        assert rows[0].error is not None and "metadata address" in rows[0].error
        assert rows[0].diff is None and rows[0].new_version is None
        ws = new_workspace(server)
        version = active_version(ws)
        with ws.owner() as api:
            manual = ok(api.post("/api/catalog/refresh"))
            assert manual["status"] == "failed" and "catalog_url" in manual["error"]
            listed = ok(api.get("/api/catalog/updates"))
            assert listed[0]["id"] == manual["id"] and len(listed) >= 3
        assert active_version(ws) == version


def test_credentials_in_the_url_are_never_shown(tmp_path: Path) -> None:
    url = "http://reader:s3cr3t-token@127.0.0.1:9/catalog.json?key=k3y-value"
    with running_server(refresh_settings(tmp_path, None, url, 24), "sqlite") as server:
        (row,) = wait_for(server, 1)
        assert row.status == "failed" and row.source == "http://127.0.0.1:9/catalog.json"
        ws = new_workspace(server)
        with ws.owner() as api:
            listed = api.get("/api/catalog/updates").text
            again = api.post("/api/catalog/refresh").text
        for shown in (listed, again, row.error or ""):
            assert "s3cr3t" not in shown and "k3y" not in shown and "failed" in listed


def test_no_catalog_url_no_refresh(tmp_path: Path) -> None:
    with running_server(refresh_settings(tmp_path, None, "", 24), "sqlite") as server:
        ws = new_workspace(server)
        with ws.owner() as api:
            error = error_of(api.post("/api/catalog/refresh"), 422)
            assert error["param"] == "catalog_url"
            assert ok(api.get("/api/catalog/updates")) == []


def test_one_replica_refreshes(tmp_path: Path) -> None:
    with CatalogSource().running() as source, postgres_database() as url:
        source.delay = 4  # the first replica holds the lock while it downloads
        one = refresh_settings(tmp_path / "one", url, source.url, 1)
        two = refresh_settings(tmp_path / "two", url, source.url, 1)
        with (
            running_server(one, "postgresql") as first,
            running_server(two, "postgresql") as second,
        ):
            ws = new_workspace(second)
            with ws.owner() as api:
                busy = error_of(api.post("/api/catalog/refresh"), 409)
                assert "already running" in busy["message"]
            rows = wait_for(first, 1)
            time.sleep(1)  # what the second replica would have stored by now
            rows = stored_updates(second)
            assert [(r.trigger, r.status) for r in rows] == [("schedule", "unchanged")]
            assert source.hits == 1


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("ERROR", logger="modelyard.catalog.refresh")
