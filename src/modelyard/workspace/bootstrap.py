"""Creating a workspace with its first owner (``modelyard init``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.security import generate_password
from modelyard.storage.tables import WorkspaceRow
from modelyard.workspace import audit
from modelyard.workspace.api_keys import issue_key
from modelyard.workspace.ids import new_id
from modelyard.workspace.schemas import UserCreate
from modelyard.workspace.users import add_user


@dataclass(frozen=True)
class Bootstrapped:
    workspace_id: str
    owner_id: str
    owner_email: str
    owner_password: str | None
    owner_api_key: str


def has_workspace(session: Session) -> bool:
    return session.scalar(select(WorkspaceRow.id).limit(1)) is not None


def create_workspace(
    session: Session,
    name: str,
    owner_email: str,
    owner_password: str | None,
    *,
    web_login: bool = True,
) -> Bootstrapped:
    """A new workspace, its owner (password generated when none is given) and their API key.

    ``web_login=False`` gives the owner no password at all (API key only), for automation.
    """
    generated = owner_password is None and web_login
    password = generate_password() if generated else owner_password
    workspace = WorkspaceRow(id=new_id("wsp"), name=name)
    session.add(workspace)
    session.flush()
    owner = add_user(
        session,
        workspace.id,
        UserCreate(
            email=owner_email, name="Owner", role="owner", password=password if web_login else None
        ),
    )
    session.flush()
    key = issue_key(session, workspace.id, owner.id, "created by init")
    audit.record(
        session, None, "workspace.create", "workspace", workspace.id, workspace_id=workspace.id
    )
    session.commit()
    return Bootstrapped(
        workspace_id=workspace.id,
        owner_id=owner.id,
        owner_email=owner.email,
        owner_password=password if generated else None,
        owner_api_key=key.key,
    )
