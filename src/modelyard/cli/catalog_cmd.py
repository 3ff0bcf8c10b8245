"""``modelyard catalog list|export|update``."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from modelyard.catalog import Catalog, CatalogFormatError, diff_catalogs, read_catalog_source
from modelyard.services import Services
from modelyard.workspace.catalog_store import active_catalog, apply_catalog, ensure_stored

app = typer.Typer(no_args_is_help=True, help="The catalog of pre-configured models.")
console = Console()


def _services() -> Services:
    from modelyard.cli.main import build_settings

    return Services.build(build_settings())


def _active() -> Catalog:
    services = _services()
    try:
        with services.session() as session:
            return active_catalog(session)
    finally:
        services.close()


@app.command("list")
def list_(
    kind: Annotated[str | None, typer.Option(help="completion, image or embedding.")] = None,
    q: Annotated[str | None, typer.Option(help="Search text.")] = None,
) -> None:
    """List the active catalog's entries."""
    catalog = _active()
    rows = [
        (
            e.id + (" (deprecated)" if e.deprecated else ""),
            e.kind,
            _cell(e.context_window),
            _cell(e.max_output_tokens),
            _cell(e.input_price),
            _cell(e.output_price),
            _cell(e.image_price),
        )
        for e in catalog.search(kind=kind, q=q)
    ]
    if not sys.stdout.isatty():  # pipes and scripts get whole ids, one entry a line
        for row in rows:
            typer.echo("\t".join(row))
        return
    table = Table(*_COLUMNS, title=f"catalog {catalog.version}")
    for row in rows:
        table.add_row(*row)
    console.print(table)


_COLUMNS = ("id", "kind", "context", "max out", "in $/1M", "out $/1M", "image $")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


@app.command("export")
def export(
    as_json: Annotated[bool, typer.Option("--json", help="JSON (the only format).")] = True,
) -> None:
    """Print the active catalog in the format that ``update`` reads."""
    catalog = _active()
    sys.stdout.buffer.write(catalog.to_json_bytes())
    sys.stdout.buffer.write(b"\n")


@app.command("update")
def update(
    source: Annotated[
        str, typer.Option("--from", help="A catalog file or URL (ours or models.dev api.json).")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the changes only.")] = False,
) -> None:
    """Show what was added, changed and removed, then apply it; pre-configured models follow."""
    try:
        new = read_catalog_source(source)
    except CatalogFormatError as exc:
        console.print(f"[red]Cannot use this catalog:[/red] {exc}")
        raise typer.Exit(1) from None
    services = _services()
    try:
        with services.session() as session:
            ensure_stored(session)
            if dry_run:
                diff = diff_catalogs(active_catalog(session), new)
            else:
                diff = apply_catalog(session, new)
    finally:
        services.close()
    typer.echo(diff.render())
    typer.echo("(dry run: nothing applied)" if dry_run else f"Catalog {new.version} is active.")


@app.command("refresh")
def refresh_now() -> None:
    """Refresh from MODELYARD_CATALOG_URL now, as the schedule of ``serve`` does (stored and
    listed by ``catalog updates``); exits 1 when the source is refused or unusable."""
    from modelyard.catalog.refresh import refresh
    from modelyard.errors import ModelyardError
    from modelyard.services import refresh_context

    services = _services()
    try:
        outcome = refresh(refresh_context(services.settings, services.engine, services.sessions))
    except ModelyardError as exc:
        console.print(f"[red]Cannot refresh:[/red] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        services.close()
    assert outcome is not None
    if outcome.status == "failed":
        console.print(f"[red]Refresh failed, nothing changed:[/red] {outcome.error}")
        raise typer.Exit(1)
    typer.echo(f"{outcome.status}: catalog {outcome.new_version} ({_summary(outcome.diff)})")


@app.command("updates")
def updates(
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 20,
) -> None:
    """List the stored refreshes, newest first (one a line: time, status, version, changes)."""
    from sqlalchemy import select

    from modelyard.storage.tables import CatalogUpdateRow

    services = _services()
    try:
        with services.session() as session:
            rows = session.scalars(
                select(CatalogUpdateRow).order_by(CatalogUpdateRow.created_at.desc()).limit(limit)
            ).all()
            lines = [
                "\t".join(
                    (
                        row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                        row.status,
                        row.trigger,
                        row.new_version or row.old_version or "",
                        row.error or _summary(row.diff),
                    )
                )
                for row in rows
            ]
    finally:
        services.close()
    for line in lines:
        typer.echo(line)


def _summary(diff: dict[str, Any] | None) -> str:
    if not diff:
        return ""
    return ", ".join(
        f"{len(diff.get(k, []))} {k}" for k in ("added", "changed", "removed", "deprecated")
    )
