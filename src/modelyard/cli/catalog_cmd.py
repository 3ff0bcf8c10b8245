"""``modelyard catalog list|export|update``."""

from __future__ import annotations

import sys
from typing import Annotated

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
