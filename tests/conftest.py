"""Fixtures: a real server per database backend, and a fresh workspace per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.settings import Settings
from modelyard.testing import FakeProvider
from tests.support import RunningServer, Workspace, new_workspace, postgres_database, running_server

BACKENDS = ["sqlite", "postgresql"]


def make_settings(data_dir: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=None,
        redis_url=None,
        allowed_upstream_hosts=["127.0.0.1"],
        upstream_timeout=2.0,
    )


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """One running app per backend; tests isolate themselves by workspace."""
    data_dir = tmp_path_factory.mktemp(f"data-{request.param}")
    if request.param == "sqlite":
        with running_server(make_settings(data_dir, None), "sqlite") as running:
            yield running
    else:
        with (
            postgres_database() as url,
            running_server(make_settings(data_dir, url), "postgresql") as running,
        ):
            yield running


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeProvider]:
    """The fake upstream provider, speaking every wire format on loopback."""
    with FakeProvider() as running:
        yield running


@pytest.fixture
def ws(server: RunningServer) -> Workspace:
    return new_workspace(server)
