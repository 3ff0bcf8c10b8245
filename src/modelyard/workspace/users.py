"""Users of a workspace, their roles, and their personal default model."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict, Forbidden, InvalidInput, NotFound
from modelyard.security import hash_password, validate_password
from modelyard.storage.tables import InviteRow, ModelRow, UserRow, WorkspaceRow
from modelyard.workspace import audit, model_access, ranks, user_lifecycle, web_sessions
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id
from modelyard.workspace.schemas import (
    DefaultModelOut,
    DefaultModelSet,
    UserCreate,
    UserOut,
    UserUpdate,
)


def user_out(session: Session, row: UserRow) -> UserOut:
    return users_out(session, [row])[0]


def users_out(session: Session, rows: list[UserRow]) -> list[UserOut]:
    """Render users with their group ids in one more query, whatever the count."""
    groups = model_access.groups_of_users(session, [row.id for row in rows])
    return [
        UserOut.model_validate(row, from_attributes=True).model_copy(
            update={
                "group_ids": groups.get(row.id, []),
                "active": row.deactivated_at is None,
                "has_password": row.password_hash is not None,
                "sso": row.oidc_subject is not None,
            }
        )
        for row in rows
    ]


def load_user(session: Session, actor: Actor, user_id: str) -> UserRow:
    row = session.get(UserRow, user_id)
    if row is None or row.workspace_id != actor.workspace_id or row.deleted_at is not None:
        raise NotFound(f"No user with id '{user_id}' in this workspace.", param="user_id")
    return row


def _check_role_change(actor: Actor, current: str | None, wanted: str) -> None:
    """Only owners make or unmake owners; admins manage admins and members."""
    if "owner" in (current, wanted) and actor.role != "owner":
        raise Forbidden("Only an owner can grant or remove the owner role.", code="owner_required")


def add_user(session: Session, workspace_id: str, data: UserCreate) -> UserRow:
    """Create a user row without permission checks (bootstrap and CLI use this)."""
    existing = session.scalar(
        select(UserRow).where(UserRow.workspace_id == workspace_id, UserRow.email == data.email)
    )
    if existing is not None and existing.deleted_at is None:
        raise Conflict(f"A user with email '{data.email}' already exists.", param="email")
    if data.password is not None:
        validate_password(data.password)
    if existing is not None:  # deleted (by SCIM): the same row comes back as a new account
        user_lifecycle.revive(existing)
        row = existing
    else:
        row = UserRow(id=new_id("usr"), workspace_id=workspace_id, email=data.email)
        session.add(row)
    row.name = data.name
    row.role = data.role
    row.language = data.language
    row.password_hash = hash_password(data.password) if data.password else None
    return row


def create_user(session: Session, actor: Actor, data: UserCreate) -> UserOut:
    actor.require_admin()
    _check_role_change(actor, None, data.role)
    row = add_user(session, actor.workspace_id, data)
    audit.record(session, actor, "user.create", "user", row.id, role=row.role)
    session.commit()
    return user_out(session, row)


def update_user(session: Session, actor: Actor, user_id: str, data: UserUpdate) -> UserOut:
    actor.require_admin()
    row = load_user(session, actor, user_id)
    ranks.require_may_manage(actor, row.id, row.role, what="change the account")
    sent = data.model_fields_set
    for field in ("name", "role", "language", "password", "active"):
        if field in sent and getattr(data, field) is None:
            raise InvalidInput(f"'{field}' cannot be null.", param=field)
    if data.active is False and row.id == actor.user_id:
        raise Conflict("You cannot deactivate yourself.", param="active", code="self_deactivate")
    if data.role is not None and data.role != row.role:
        _check_role_change(actor, row.role, data.role)
        if row.role == "owner" and _owner_count(session, actor.workspace_id) <= 1:
            raise Conflict("The last owner cannot be demoted.", param="role", code="last_owner")
        row.role = data.role
        web_sessions.end_all(session, row.id)  # pages signed in under the old role end
    if data.name is not None:
        row.name = data.name
    if data.language is not None:
        row.language = data.language
    if data.password is not None:
        if row.role == "owner" and actor.role != "owner":
            raise Forbidden("Only an owner can set an owner's password.", param="password")
        validate_password(data.password)
        row.password_hash = hash_password(data.password)
        web_sessions.end_all(session, row.id)  # a reset locks out whoever held a session
        # ... and so does any invite or reset link still open (it would set another password)
        session.execute(
            delete(InviteRow).where(InviteRow.user_id == row.id, InviteRow.used_at.is_(None))
        )
    if data.active is False:
        user_lifecycle.deactivate(session, actor, row, source="admin")
    elif data.active is True:
        user_lifecycle.reactivate(session, actor, row, source="admin")
    audit.record(session, actor, "user.update", "user", row.id, fields=sorted(sent))
    session.commit()
    return user_out(session, row)


def _owner_count(session: Session, workspace_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(UserRow)
            .where(UserRow.workspace_id == workspace_id, UserRow.role == "owner")
        )
        or 0
    )


def list_users(session: Session, actor: Actor, query: str | None = None) -> list[UserOut]:
    """The workspace's users (deleted ones left out), oldest first; ``query`` keeps those whose
    email or name contains it (case-insensitive)."""
    actor.require_admin()
    statement = select(UserRow).where(
        UserRow.workspace_id == actor.workspace_id, UserRow.deleted_at.is_(None)
    )
    if query and query.strip():
        pattern = (
            "%"
            + query.strip().lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            + "%"
        )
        statement = statement.where(
            func.lower(UserRow.email).like(pattern, escape="\\")
            | func.lower(UserRow.name).like(pattern, escape="\\")
        )
    rows = session.scalars(statement.order_by(UserRow.created_at, UserRow.id))
    return users_out(session, list(rows))


def get_user(session: Session, actor: Actor, user_id: str) -> UserOut:
    actor.require_admin()
    return user_out(session, load_user(session, actor, user_id))


def get_me(session: Session, actor: Actor) -> UserOut:
    return user_out(session, load_user(session, actor, actor.user_id))


def get_default_model(session: Session, actor: Actor) -> DefaultModelOut:
    user = load_user(session, actor, actor.user_id)
    model = session.get(ModelRow, user.default_model_id) if user.default_model_id else None
    return DefaultModelOut(model_id=model.id if model else None, slug=model.slug if model else None)


def check_default_candidate(model: ModelRow) -> None:
    """A personal default must be a usable, visible, non-premium completion model."""
    if model.kind != "completion":
        raise InvalidInput(
            "The default model must be a completion model.", param="model_id", code="wrong_kind"
        )
    if model.premium:
        raise InvalidInput(
            f"'{model.display_name}' is a premium model and cannot be a personal default.",
            param="model_id",
            code="premium_model",
        )
    if not model.visible:
        raise InvalidInput(
            "This model is not available to users.", param="model_id", code="hidden_model"
        )
    if model.maintenance:
        raise InvalidInput(
            f"'{model.display_name}' is in maintenance and cannot be chosen now.",
            param="model_id",
            code="maintenance",
        )


def set_default_model(session: Session, actor: Actor, data: DefaultModelSet) -> DefaultModelOut:
    user = load_user(session, actor, actor.user_id)
    model: ModelRow | None = None
    if data.model_id is not None:
        model = session.get(ModelRow, data.model_id)
        # A model this user may not use (restricted to other groups) does not exist for them,
        # as on ``/v1``: the same 404 as an unknown id.
        if (
            model is None
            or model.workspace_id != actor.workspace_id
            or not model_access.may_use(session, actor.user_id, actor.role, model)
        ):
            raise NotFound(f"No model with id '{data.model_id}'.", param="model_id")
        check_default_candidate(model)
    user.default_model_id = model.id if model else None
    audit.record(
        session, actor, "user.default_model", "user", user.id, model_id=user.default_model_id
    )
    session.commit()
    return DefaultModelOut(model_id=model.id if model else None, slug=model.slug if model else None)


def update_me(session: Session, actor: Actor, data: UserUpdate) -> UserOut:
    """What anyone may change about themselves: their name and language. Role and password
    stay with admins (``update_user``), so a member cannot promote themselves."""
    row = load_user(session, actor, actor.user_id)
    sent = data.model_fields_set
    for field in ("role", "password"):
        if field in sent:
            raise Forbidden(f"'{field}' can only be changed by a workspace admin.", param=field)
    for field in ("name", "language"):
        if field in sent and getattr(data, field) is None:
            raise InvalidInput(f"'{field}' cannot be null.", param=field)
    if data.name is not None:
        row.name = data.name
    if data.language is not None:
        row.language = data.language
    audit.record(session, actor, "user.update_me", "user", row.id, fields=sorted(sent))
    session.commit()
    return user_out(session, row)


def find_for_sign_in(session: Session, email: str) -> list[tuple[str, str]]:
    """(user id, password hash) of every account with this email that has a password, oldest
    first: emails are unique per workspace only, so one email may open several."""
    rows = session.execute(
        select(UserRow.id, UserRow.password_hash)
        .where(UserRow.email == email.strip().lower(), UserRow.password_hash.is_not(None))
        .order_by(UserRow.created_at, UserRow.id)
    ).all()
    return [(user_id, password_hash) for user_id, password_hash in rows if password_hash]


def find_signed_in(
    session: Session, user_id: str, session_id: str | None
) -> tuple[UserRow, str] | None:
    """A signed-in user (by password or single sign-on) and their workspace's name; None once
    they were deleted or deactivated, or the web session ``session_id`` was ended (sign-out,
    password or role change, deactivation)."""
    if not web_sessions.is_live(session, session_id, user_id):
        return None
    found = session.execute(
        select(UserRow, WorkspaceRow.name)
        .join(WorkspaceRow, WorkspaceRow.id == UserRow.workspace_id)
        .where(UserRow.id == user_id)
    ).first()
    if found is None or found[0].deactivated_at is not None:
        return None
    return found[0], found[1]


def default_candidates(
    session: Session, actor: Actor
) -> list[tuple[ModelRow, InvalidInput | None]]:
    """The visible completion models this user may use, each with why it cannot be their default
    (None when it can): ``check_default_candidate``'s own refusal, so a page offers exactly what
    ``set_default_model`` accepts."""
    rows = session.scalars(
        select(ModelRow)
        .where(
            ModelRow.workspace_id == actor.workspace_id,
            ModelRow.kind == "completion",
            ModelRow.visible.is_(True),
        )
        .order_by(ModelRow.display_name)
    )
    out: list[tuple[ModelRow, InvalidInput | None]] = []
    for row in model_access.usable_by(session, actor.user_id, actor.role, list(rows)):
        try:
            check_default_candidate(row)
        except InvalidInput as refusal:
            out.append((row, refusal))
        else:
            out.append((row, None))
    return out
