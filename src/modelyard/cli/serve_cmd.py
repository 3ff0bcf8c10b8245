"""``modelyard serve`` as a command of the Typer app: its flags and help. A real ``serve`` is
started by :mod:`.serve_run` without Typer; the app handles ``--help`` and malformed flags."""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli.options import DatabaseUrl, DataDir
from modelyard.cli.serve_run import run


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (MODELYARD_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (MODELYARD_PORT).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes, one core each (MODELYARD_WORKERS)."),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve the gateway, the admin API and the web UI over HTTP."""
    run(host, port, workers, data_dir, database_url)
