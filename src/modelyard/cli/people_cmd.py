"""``modelyard users add``, ``modelyard keys create`` and ``keys list``: for scripts and first
set-up. Keys go through the domain's own scope check (``api_keys.check_scopes``), so the CLI
refuses what the API refuses, in the same words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import ModelyardError
from modelyard.services import Services
from modelyard.storage.tables import ModelRow, UserRow, WorkspaceRow
from modelyard.workspace import audit
from modelyard.workspace.api_keys import (
    check_scopes,
    issue_key,
    keys_of,
    model_ids_of,
    scope_details,
)
from modelyard.workspace.key_schemas import ApiKeyCreate, day_or_instant
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


# The CLI's flag for each field the key schema and ``check_scopes`` name in their messages.
FLAGS = {"name": "--name", "expires_at": "--expires", "model_ids": "--model"}


def _user(session: Session, workspace_id: str, email: str) -> UserRow:
    user = session.scalar(
        select(UserRow).where(
            UserRow.workspace_id == workspace_id, UserRow.email == email.strip().lower()
        )
    )
    if user is None:
        raise typer.BadParameter(f"No user '{email}' in the workspace.")
    return user


def _refused(exc: ValidationError | ModelyardError) -> typer.BadParameter:
    """The API's own message (``'field': what is wrong``), pointed at the flag."""
    if isinstance(exc, ModelyardError):
        return typer.BadParameter(exc.message, param_hint=FLAGS.get(exc.param or ""))
    first = exc.errors()[0]
    field = next((str(part) for part in first["loc"] if isinstance(part, str)), "")
    return typer.BadParameter(f"'{field}': {first['msg']}", param_hint=FLAGS.get(field))


@keys_app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="Whose key: the user's email.")],
    name: Annotated[str, typer.Option(help="A label for the key.")] = "cli",
    expires: Annotated[
        str | None,
        typer.Option(
            help="When it stops working: ISO 8601 (UTC without a zone); a bare date "
            "(2027-01-31) means the end of that day in UTC."
        ),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            help="A model (slug or id) the key may call; repeat for several. "
            "Omitted: every model the user may use.",
        ),
    ] = None,
    workspace: Workspace = None,
) -> None:
    """Create a personal API key for a user and print it (shown once)."""
    services = _services()
    try:
        workspace_id = _workspace_id(services, workspace)
        with services.session() as session:
            user = _user(session, workspace_id, email)
            body: dict[str, Any] = {"name": name}
            if expires is not None:
                body["expires_at"] = day_or_instant(expires)
            if models:
                body["model_ids"] = model_ids_of(session, workspace_id, models)
            try:
                data = ApiKeyCreate.model_validate(body)
                check_scopes(session, user, data, reveal=True)
            except (ValidationError, ModelyardError) as exc:
                raise _refused(exc) from None
            issued = issue_key(
                session,
                workspace_id,
                user.id,
                data.name,
                expires_at=data.expires_at,
                model_ids=data.model_ids,
            )
            audit.record(
                session,
                None,
                "api_key.create",
                "api_key",
                issued.id,
                workspace_id=workspace_id,
                user_id=user.id,
                **scope_details(data),
            )
            session.commit()
            typer.echo(issued.key)
    finally:
        services.close()


def _when(value: datetime | None, empty: str = "never") -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else empty


@keys_app.command("list")
def list_(
    email: Annotated[str, typer.Option(help="Whose keys: the user's email.")],
    workspace: Workspace = None,
) -> None:
    """A user's API keys: name, prefix, created, expires, models, last used, status."""
    services = _services()
    try:
        workspace_id = _workspace_id(services, workspace)
        with services.session() as session:
            user = _user(session, workspace_id, email)
            keys = keys_of(session, user.id)
            slugs = {
                model_id: slug
                for model_id, slug in session.execute(
                    select(ModelRow.id, ModelRow.slug).where(ModelRow.workspace_id == workspace_id)
                )
            }
    finally:
        services.close()
    now = datetime.now(UTC)
    table = Table(*KEY_COLUMNS, title=f"API keys of {user.email}")
    for key in keys:
        status = (
            "revoked"
            if key.revoked_at
            else "expired"
            if key.expires_at and key.expires_at <= now
            else "active"
        )
        models = (
            "all"
            if key.model_ids is None
            else ", ".join(slugs.get(model_id, model_id) for model_id in key.model_ids)
        )
        table.add_row(
            key.name or "(no name)",
            f"{key.prefix}…",
            _when(key.created_at),
            _when(key.expires_at),
            models,
            _when(key.last_used_at),
            status,
        )
    Console().print(table)


KEY_COLUMNS = ("name", "key", "created", "expires", "models", "last used", "status")
