"""Running ``modelyard serve``: one process, or ``--workers N`` processes sharing the port.

``modelyard serve`` is dispatched here before the other commands (and their imports) load, so
the server starts answering sooner, and its flags are read with click, which uvicorn loads
anyway, instead of Typer (1.3 MiB more in every server's memory). Only well-formed flags are
read here: ``--help`` and any mistake go to the full Typer app (:mod:`.serve_cmd` declares the
command there), so the help and the error messages are the ones ``modelyard`` always gave.

With several workers, uvicorn's supervisor binds the port and starts N worker processes; each
builds the app from the environment (the flags given here are exported to it first), after
this process has brought the schema up to date once, so that the workers do not race to
migrate. The workers share ``<data dir>/metrics`` (emptied here) so that ``/metrics`` adds up all
of them (:mod:`modelyard.operations.call_metrics`), and each turns its call log on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modelyard.cli.flags import build_settings


def run(
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    data_dir: Path | None = None,
    database_url: str | None = None,
) -> None:
    """Serve the gateway, the admin API and the web UI over HTTP until stopped."""
    import uvicorn

    settings = build_settings(data_dir, database_url)
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    if workers is not None:
        settings.workers = workers
    from modelyard.server_protocol import server_options

    options = server_options(settings)  # with the deadline for request headers
    if settings.workers == 1:
        from modelyard.app import create_app, tune_process
        from modelyard.operations import call_log

        call_log.configure(settings.log_format)
        tune_process()
        uvicorn.run(create_app(settings, freeze_gc=True), **options)
        return
    from modelyard.services import Services

    Services.build(settings).close()  # migrate once, before the workers start
    os.environ |= {
        "MODELYARD_DATA_DIR": str(settings.data_dir),
        "MODELYARD_WORKERS": str(settings.workers),
    }
    if settings.database_url:
        os.environ["MODELYARD_DATABASE_URL"] = settings.database_url
    os.environ["MODELYARD_METRICS_DIR"] = str(_fresh_metrics_dir(settings.data_dir))
    uvicorn.run(
        "modelyard.cli.serve_run:worker_app",
        factory=True,
        workers=settings.workers,
        **options,
    )


def _fresh_metrics_dir(data_dir: Path) -> Path:
    """``<data dir>/metrics``, without the snapshots of an earlier ``serve`` (counters restart)."""
    directory = data_dir / "metrics"
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.json"):
        old.unlink(missing_ok=True)
    return directory


def worker_app() -> Any:
    """The app of one worker of ``serve --workers N``, with its call log on."""
    from modelyard.app import create_app_from_environment
    from modelyard.operations import call_log

    app = create_app_from_environment()
    call_log.configure(app.settings.log_format)
    return app


def parse_flags(args: Sequence[str]) -> dict[str, Any] | None:
    """The flags of ``serve`` as keyword arguments of :func:`run`; None when they are not
    well-formed (unknown, missing a value, out of range, an extra argument)."""
    import click

    command = click.Command(
        "serve",
        params=[
            click.Option(["--host"], type=str),
            click.Option(["--port"], type=int),
            click.Option(["--workers"], type=click.IntRange(min=1)),
            click.Option(["--data-dir"], type=click.Path(path_type=Path)),
            click.Option(["--database-url"], type=str),
        ],
        add_help_option=False,
    )
    try:
        with command.make_context("serve", list(args)) as context:
            return dict(context.params)
    except click.ClickException:
        return None


def standalone() -> None:
    """``modelyard serve ...`` without loading Typer or any other command."""
    flags = parse_flags(sys.argv[2:])
    if flags is None:  # the full app prints its usual message and exits with 2
        from modelyard.cli.commands import app

        app()
        return
    run(**flags)
