"""``modelyard``: init, serve, catalog, users and keys (the commands are in :mod:`.commands`).

Kept tiny: ``modelyard serve`` goes to :mod:`.serve_run` without importing every other
command's dependencies (nor Typer), which shortens the time until the server answers and
keeps the server's memory smaller.
"""

from __future__ import annotations

import sys
from typing import Any

from modelyard.cli.flags import build_settings

__all__ = ["build_settings", "main"]  # and ``app``, see __getattr__


def main() -> None:
    if sys.argv[1:2] == ["serve"] and not {"--help", "-h"} & set(sys.argv[2:]):
        from modelyard.cli.serve_run import standalone

        standalone()
        return
    from modelyard.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    """``app``, the full Typer application, loaded on first use (tests use it directly)."""
    if name == "app":
        from modelyard.cli.commands import app

        return app
    raise AttributeError(name)
