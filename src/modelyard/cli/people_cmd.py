"""``modelyard users add`` and ``modelyard keys create``: for scripts and first set-up."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import select

from modelyard.errors import ModelyardError
from modelyard.services import Services
from modelyard.storage.tables import UserRow, WorkspaceRow
from modelyard.workspace import audit
from modelyard.workspace.api_keys import issue_key
from modelyard.workspace.schemas import UserCreate
from modelyard.workspace.users import add_user

users_app = typer.Typer(no_args_is_help=True, help="Users of a workspace.")
keys_app = typer.Typer(no_args_is_help=True, help="Personal API keys.")

Workspace = Annotated[
    str | None, typer.Option(help="Workspace id; needed only when there are several.")
]


def _services() -> Services:
    from modelyard.cli.main import build_settings

    return Services.build(build_settings())


def _workspace_id(services: Services, wanted: str | None) -> str:
    with services.session() as session:
        ids = list(session.scalars(select(WorkspaceRow.id)))
    if wanted is not None:
        if wanted not in ids:
            raise typer.BadParameter(f"No workspace '{wanted}'.", param_hint="--workspace")
        return wanted
    if len(ids) != 1:
        raise typer.BadParameter(
            "Run 'modelyard init' first." if not ids else "Several workspaces: pass --workspace.",
            param_hint="--workspace",
        )
    return ids[0]


@users_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The user's email (their login).")],
    role: Annotated[str, typer.Option(help="owner, admin or member.")] = "member",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[str | None, typer.Option(help="Web password (>= 8 chars).")] = None,
    workspace: Workspace = None,
) -> None:
    """Add a user to the workspace."""
    services = _services()
    try:
        workspace_id = _workspace_id(services, workspace)
        data = UserCreate(email=email, role=role, name=name, password=password)
        with services.session() as session:
            row = add_user(session, workspace_id, data)
            session.flush()
            audit.record(session, None, "user.create", "user", row.id, workspace_id=workspace_id)
            session.commit()
            typer.echo(f"{row.id} {row.email} {row.role}")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise typer.BadParameter(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except ModelyardError as exc:
        raise typer.BadParameter(exc.message) from None
    finally:
        services.close()


@keys_app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="Whose key: the user's email.")],
    name: Annotated[str, typer.Option(help="A label for the key.")] = "cli",
    workspace: Workspace = None,
) -> None:
    """Create a personal API key for a user and print it (shown once)."""
    services = _services()
    try:
        workspace_id = _workspace_id(services, workspace)
        with services.session() as session:
            user = session.scalar(
                select(UserRow).where(
                    UserRow.workspace_id == workspace_id, UserRow.email == email.strip().lower()
                )
            )
            if user is None:
                raise typer.BadParameter(f"No user '{email}' in the workspace.")
            issued = issue_key(session, workspace_id, user.id, name)
            audit.record(
                session, None, "api_key.create", "api_key", issued.id, workspace_id=workspace_id
            )
            session.commit()
            typer.echo(issued.key)
    finally:
        services.close()
