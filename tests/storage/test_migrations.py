"""The migrations build exactly the schema the tables declare, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from modelyard.storage.tables import Base
from tests.support import RunningServer


def test_migrations_match_the_tables(server: RunningServer) -> None:
    with server.services.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
