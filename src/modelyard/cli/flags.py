"""Settings from the environment with a command's flags on top, free of Typer so that
``modelyard serve`` can build them without loading it (see :mod:`.serve_run`)."""

from __future__ import annotations

from pathlib import Path

from modelyard.settings import Settings


def build_settings(data_dir: Path | None = None, database_url: str | None = None) -> Settings:
    """Settings from the environment, with the given flags taking precedence."""
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    return Settings(**overrides)
