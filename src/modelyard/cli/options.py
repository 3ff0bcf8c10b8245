"""What every command shares: the data-directory and database flags, and the settings they
build (environment first, flags on top). Light on purpose: ``serve`` starts from here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelyard.settings import Settings

DataDir = Annotated[Path | None, typer.Option(help="Data directory (MODELYARD_DATA_DIR).")]
DatabaseUrl = Annotated[str | None, typer.Option(help="Database URL (MODELYARD_DATABASE_URL).")]


def build_settings(data_dir: Path | None = None, database_url: str | None = None) -> Settings:
    """Settings from the environment, with the given flags taking precedence."""
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    return Settings(**overrides)
