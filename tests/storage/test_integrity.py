"""A write a unique or foreign-key constraint refuses becomes a 409 naming the field, on both
databases; other database errors are left as they are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from modelyard.errors import Conflict
from modelyard.storage.tables import ModelRow, WorkspaceRow
from tests.support import migrated_engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path_factory.mktemp("integrity")) as made:
        yield made


def _model(workspace_id: str, model_id: str, slug: str) -> ModelRow:
    return ModelRow(
        id=model_id,
        workspace_id=workspace_id,
        kind="completion",
        slug=slug,
        display_name="Chat",
        provider="openai",
        provider_model_name="gpt-x",
    )


def _workspace(session: Session, workspace_id: str) -> None:
    session.add(WorkspaceRow(id=workspace_id, name="w", created_at=datetime.now(UTC)))
    session.commit()


def test_a_slug_taken_by_another_write_is_a_conflict_on_slug(engine: Engine) -> None:
    with Session(engine) as session:
        _workspace(session, "ws_slug")
        session.add(_model("ws_slug", "m1", "chat"))
        session.commit()
        session.add(_model("ws_slug", "m2", "chat"))
        with pytest.raises(Conflict) as caught:
            session.commit()
        session.rollback()
        assert caught.value.status == 409
        assert caught.value.param == "slug"
        assert "slug" in caught.value.message and "chat" not in caught.value.message
        slugs = session.scalars(text("SELECT slug FROM models WHERE workspace_id = 'ws_slug'"))
        assert list(slugs) == ["chat"]  # nothing half-written


def test_a_row_that_refers_to_nothing_is_a_conflict(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(_model("ws_missing", "m3", "other"))
        with pytest.raises(Conflict) as caught:
            session.commit()
        assert caught.value.param is None
        assert "reload" in caught.value.message


def test_other_database_errors_are_not_translated(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises((OperationalError, ProgrammingError)):
        connection.execute(text("SELECT * FROM no_such_table"))
