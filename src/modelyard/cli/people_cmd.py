"""``modelyard users add|invite|deactivate|reactivate``, ``modelyard keys create`` and ``keys
list``: for scripts and first set-up. Each goes through the same domain functions as the API
(``api_keys.check_scopes``, ``invites``, ``user_lifecycle``), so the CLI refuses what the API
refuses, in the same words; the operator acts without rank checks, as with ``users add``."""

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
from modelyard.storage.tables import GroupRow, ModelRow, UserRow, WorkspaceRow
from modelyard.workspace import audit, invites, user_lifecycle
from modelyard.workspace.api_keys import (
    check_scopes,
    issue_key,
    keys_of,
    model_ids_of,
    scope_details,
)
from modelyard.workspace.invite_mail import Mailer
from modelyard.workspace.invites import InviteCreate
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


# The CLI's flag for each field the schemas and the domain name in their messages.
FLAGS = {
    "name": "--name",
    "expires_at": "--expires",
    "model_ids": "--model",
    "email": "--email",
    "role": "--role",
    "group_ids": "--group",
    "language": "--language",
    "active": "--email",
}


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


def _group_ids(session: Session, workspace_id: str, refs: list[str]) -> list[str]:
    """Group names or ids as ids; an unknown one stays as it is, for the domain to refuse."""
    rows = session.execute(
        select(GroupRow.id, GroupRow.name).where(GroupRow.workspace_id == workspace_id)
    ).all()
    by_name = {name.lower(): group_id for group_id, name in rows}
    return [by_name.get(ref.strip().lower(), ref.strip()) for ref in refs]


def _base_url(services: Services) -> str:
    settings = services.settings
    return settings.public_url or f"http://{settings.host}:{settings.port}"


@users_app.command("invite")
def invite(
    email: Annotated[str, typer.Option(help="The new user's email (their login).")],
    role: Annotated[str, typer.Option(help="owner, admin or member.")] = "member",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    groups: Annotated[
        list[str] | None,
        typer.Option("--group", help="A group (name or id) to put them in; repeat for several."),
    ] = None,
    language: Annotated[str, typer.Option(help="en or de (pages and the mail).")] = "en",
    workspace: Workspace = None,
) -> None:
    """Invite a user (no password yet) and print their one-time link (7 days); it is mailed
    too when MODELYARD_SMTP_HOST is set."""
    services = _services()
    try:
        workspace_id = _workspace_id(services, workspace)
        with services.session() as session:
            try:
                data = InviteCreate.model_validate(
                    {
                        "email": email,
                        "name": name,
                        "role": role,
                        "language": language,
                        "group_ids": _group_ids(session, workspace_id, groups or []),
                    }
                )
                row, token, expires_at = invites.create_invited(
                    session, workspace_id, data, None, source="cli"
                )
            except (ValidationError, ModelyardError) as exc:
                raise _refused(exc) from None
            session.commit()
            url = invites.invite_url(_base_url(services), token)
            out = invites.invite_out(
                session, row, url, expires_at, Mailer.from_settings(services.settings), reset=False
            )
        typer.echo(out.invite_url)
        if out.emailed:
            typer.echo(f"Mailed to {out.user.email}.", err=True)
        elif out.mail_error:
            typer.echo(f"Not mailed: {out.mail_error} Pass the link on yourself.", err=True)
        typer.echo(f"It works once, until {_when(out.expires_at)}.", err=True)
    finally:
        services.close()


def _set_active(email: str, workspace: str | None, *, active: bool) -> None:
    services = _services()
    try:
        workspace_id = _workspace_id(services, workspace)
        with services.session() as session:
            user = _user(session, workspace_id, email)
            try:
                if active:
                    user_lifecycle.reactivate(session, None, user, source="cli")
                else:
                    user_lifecycle.deactivate(session, None, user, source="cli")
            except ModelyardError as exc:
                raise _refused(exc) from None
            session.commit()
            state = "active" if user.deactivated_at is None else "deactivated"
            typer.echo(f"{user.id} {user.email} {state}")
    finally:
        services.close()


@users_app.command("deactivate")
def deactivate(
    email: Annotated[str, typer.Option(help="The user's email.")], workspace: Workspace = None
) -> None:
    """Deactivate a user: every API key revoked and every web session ended, at once (on every
    replica within about a second); their usage history stays."""
    _set_active(email, workspace, active=False)


@users_app.command("reactivate")
def reactivate(
    email: Annotated[str, typer.Option(help="The user's email.")], workspace: Workspace = None
) -> None:
    """Let a deactivated user sign in again (their old keys stay revoked)."""
    _set_active(email, workspace, active=True)


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
