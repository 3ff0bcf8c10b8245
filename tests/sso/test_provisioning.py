"""Who a verified identity signs in, on a real (SQLite) database: the workspace of a new
member, linking across workspaces, groups by name or SCIM externalId, and no workspace yet."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from modelyard.sso.errors import SsoRefused
from modelyard.sso.provisioning import Identity, identity_from, sign_in
from modelyard.storage.tables import AuditRow, GroupMemberRow, GroupRow, UserRow, WorkspaceRow
from modelyard.storage.types import utcnow
from modelyard.workspace.bootstrap import create_workspace
from modelyard.workspace.ids import new_id
from tests.support import migrated_engine

ISSUER = "https://idp.example.com"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    with migrated_engine("sqlite", tmp_path) as engine, sessionmaker(engine)() as session:
        yield session


def _identity(groups: tuple[str, ...] | None = None, email: str | None = None) -> Identity:
    sub = secrets.token_hex(4)
    email = email or f"{sub}@example.com"
    return Identity(f"{ISSUER}|{sub}", email, "Someone", None, groups)


def _workspace(db: Session, name: str, age_days: int) -> str:
    done = create_workspace(db, name, f"owner-{name}@example.com", None, web_login=False)
    row = db.get(WorkspaceRow, done.workspace_id)
    assert row is not None
    row.created_at = utcnow() - timedelta(days=age_days)
    db.commit()
    return done.workspace_id


def test_no_workspace_yet_is_refused(db: Session) -> None:
    with pytest.raises(SsoRefused) as refused:
        sign_in(db, _identity(), [], None)
    assert refused.value.code == "no_workspace" and refused.value.status == 503
    assert db.scalars(select(UserRow)).all() == []


def test_a_new_member_goes_to_the_oldest_workspace_and_links_in_any(db: Session) -> None:
    newer = _workspace(db, "newer", 1)
    oldest = _workspace(db, "oldest", 30)
    user = db.get(UserRow, sign_in(db, _identity(), [], None))
    assert user is not None and user.workspace_id == oldest and user.role == "member"
    scim_made = UserRow(
        id=new_id("usr"), workspace_id=newer, email="scim@example.com", role="member"
    )
    db.add(scim_made)
    db.commit()
    assert sign_in(db, _identity(email="scim@example.com"), [], None) == scim_made.id
    actions = db.scalars(select(AuditRow.action).where(AuditRow.target_id == scim_made.id)).all()
    assert sorted(actions) == ["user.sso_link", "user.sso_sign_in"]


def test_groups_match_by_name_ignoring_case_or_by_external_id(db: Session) -> None:
    workspace = _workspace(db, "acme", 1)
    sales = GroupRow(id=new_id("grp"), workspace_id=workspace, name="Sales")
    entra = GroupRow(id=new_id("grp"), workspace_id=workspace, name="Ops", external_id="0f3c-9a")
    other = GroupRow(id=new_id("grp"), workspace_id=workspace, name="Other")
    db.add_all([sales, entra, other])
    db.commit()
    identity = _identity(groups=("SALES", "0f3c-9a", "nobody"))
    user_id = sign_in(db, identity, [], None)
    members = db.scalars(select(GroupMemberRow.group_id).where(GroupMemberRow.user_id == user_id))
    assert sorted(members) == sorted([sales.id, entra.id])


def test_claims_become_an_identity() -> None:
    claims = {
        "sub": "abc",
        "email": " Mixed@Example.COM ",
        "given_name": "Ada",
        "family_name": "L",
        "groups": "single-group",
    }
    identity = identity_from(claims, ISSUER, "groups")
    assert identity.subject == f"{ISSUER}|abc" and identity.email == "mixed@example.com"
    assert identity.name == "Ada L" and identity.groups == ("single-group",)
    assert identity_from(claims, ISSUER, "roles").groups is None
