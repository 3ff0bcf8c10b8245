"""``modelyard serve``: one process, or ``--workers N`` processes sharing the port.

``modelyard serve`` is dispatched here before the other commands (and their imports) load, so
the server starts answering sooner. With several workers, uvicorn's supervisor binds the port
and starts N worker processes; each builds the app from the environment (the flags given here
are exported to it first), after this process has brought the schema up to date once, so that
the workers do not race to migrate.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from modelyard.cli.options import DatabaseUrl, DataDir, build_settings


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
    import uvicorn

    settings = build_settings(data_dir, database_url)
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    if workers is not None:
        settings.workers = workers
    options = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
    }
    if settings.workers == 1:
        from modelyard.app import create_app, tune_process

        tune_process()
        uvicorn.run(create_app(settings, freeze_gc=True), **options)  # type: ignore[arg-type]
        return
    from modelyard.services import Services

    Services.build(settings).close()  # migrate once, before the workers start
    os.environ |= {
        "MODELYARD_DATA_DIR": str(settings.data_dir),
        "MODELYARD_WORKERS": str(settings.workers),
    }
    if settings.database_url:
        os.environ["MODELYARD_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "modelyard.app:create_app_from_environment",
        factory=True,
        workers=settings.workers,
        **options,  # type: ignore[arg-type]
    )


def standalone() -> None:
    """``modelyard serve ...`` without loading every other command."""
    app = typer.Typer(add_completion=False)
    app.command("serve")(serve)

    @app.callback()
    def _group() -> None:
        """Modelyard."""

    app(prog_name="modelyard")
