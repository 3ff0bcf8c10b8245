"""``modelyard``: init, serve, catalog, users and keys.

Each command builds the settings once (environment, then flags) and the services from them.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from modelyard.cli import catalog_cmd, fake_cmd, knowledge_cmd, people_cmd, serve_cmd
from modelyard.cli.options import DatabaseUrl, DataDir, build_settings
from modelyard.services import Services
from modelyard.workspace.bootstrap import create_workspace, has_workspace
from modelyard.workspace.catalog_store import ensure_stored

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(people_cmd.users_app, name="users")
app.add_typer(people_cmd.keys_app, name="keys")
app.add_typer(knowledge_cmd.app, name="knowledge")
app.command("fake-provider")(fake_cmd.fake_provider)
console = Console()


@app.command()
def init(
    owner_email: Annotated[str, typer.Option(help="The owner's web login.")] = "owner@localhost",
    owner_password: Annotated[
        str | None, typer.Option(help="The owner's password; generated when omitted.")
    ] = None,
    workspace_name: Annotated[str, typer.Option(help="Name of the workspace.")] = "Workspace",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON object for scripts.")
    ] = False,
    if_needed: Annotated[
        bool, typer.Option("--if-needed", help="Do nothing when a workspace already exists.")
    ] = False,
    new_workspace: Annotated[
        bool, typer.Option("--new-workspace", help="Add another workspace to this installation.")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create the database, a workspace and its owner; print the owner's API key once."""
    services = Services.build(build_settings(data_dir, database_url))
    try:
        with services.session() as session:
            ensure_stored(session)
            if has_workspace(session) and not new_workspace:
                if if_needed:
                    return
                console.print(
                    "[red]Already initialised.[/red] Use --new-workspace to add another "
                    "workspace, or --if-needed to skip quietly."
                )
                raise typer.Exit(1)
            done = create_workspace(session, workspace_name, owner_email, owner_password)
    finally:
        services.close()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "workspace_id": done.workspace_id,
                    "owner_email": done.owner_email,
                    "owner_password": done.owner_password,
                    "owner_api_key": done.owner_api_key,
                }
            )
        )
        return
    console.print(f"Workspace [bold]{done.workspace_id}[/bold] created.")
    console.print(f"Owner login:    {done.owner_email}")
    if done.owner_password:
        console.print(f"Owner password: {done.owner_password}")
    console.print(f"Owner API key:  {done.owner_api_key}")
    console.print("[yellow]These are shown once. Keep them somewhere safe.[/yellow]")


app.command("serve")(serve_cmd.serve)
