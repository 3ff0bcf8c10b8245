"""The long-lived parts of a running Modelyard, built once from settings and shared by every
entry point: the database engine and session factory, the secret box, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from modelyard.security import SecretBox
from modelyard.settings import Settings
from modelyard.storage.engine import make_engine, make_session_factory
from modelyard.storage.migrate import upgrade


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    secret_box: SecretBox

    @classmethod
    def build(cls, settings: Settings, *, migrate: bool = True) -> Services:
        """Connect (creating the data directory for SQLite) and bring the schema up to date."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        if migrate:
            upgrade(engine)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            secret_box=SecretBox.from_settings(settings),
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
