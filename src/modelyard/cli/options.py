"""What every command shares: the data-directory and database flags, and the settings they
build (environment first, flags on top, in :mod:`.flags`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelyard.cli.flags import build_settings

__all__ = ["DataDir", "DatabaseUrl", "build_settings"]

DataDir = Annotated[Path | None, typer.Option(help="Data directory (MODELYARD_DATA_DIR).")]
DatabaseUrl = Annotated[str | None, typer.Option(help="Database URL (MODELYARD_DATABASE_URL).")]
