"""What the outside sends and sees of groups and of who may use a model (not ORM rows).

The model field ``access`` itself (:class:`~modelyard.workspace.schemas.ModelAccess`) lives with
the other model fields; these are the groups' own schemas and the admin's "who can use it" view.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from modelyard.workspace.schemas import Input, Name, Role

GroupDescription = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=40)]
# A 500-person company fits with room to spare; the bound keeps one request's work bounded.
MAX_IDS = 10_000


class GroupCreate(Input):
    name: Name
    description: GroupDescription = ""


class GroupUpdate(Input):
    name: Name | None = None
    description: GroupDescription | None = None


class GroupMembersSet(Input):
    """The group's whole membership (replaces the set)."""

    user_ids: list[Id] = Field(max_length=MAX_IDS)


class GroupModelsSet(Input):
    """The models given to the group (replaces the set). A listed model that was open to
    everyone becomes restricted to its groups (this one); see ``GroupModelsOut``."""

    model_ids: list[Id] = Field(max_length=MAX_IDS)


class UserRef(BaseModel):
    id: str
    email: str
    name: str
    role: Role


class ModelRef(BaseModel):
    id: str
    slug: str
    display_name: str
    kind: str


class GroupOut(BaseModel):
    id: str
    name: str
    description: str
    member_ids: list[str]
    model_ids: list[str] = Field(description="Models restricted to groups that this group has.")
    created_at: datetime
    updated_at: datetime


class GroupDetail(GroupOut):
    members: list[UserRef]
    models: list[ModelRef]


class GroupModelsOut(GroupDetail):
    restricted: list[ModelRef] = Field(
        description="Models that were open to everyone and are now restricted to their groups."
    )
    admins_only: list[ModelRef] = Field(
        description="Models taken from this group that no group has any more: only admins and "
        "owners can use them until they are given to a group or opened to everyone."
    )


class GroupDeleted(BaseModel):
    id: str
    admins_only: list[ModelRef] = Field(
        description="Models restricted to groups that no group has any more: only admins and "
        "owners can use them until they are given to a group or opened to everyone."
    )


class GroupRef(BaseModel):
    id: str
    name: str


class AccessUser(UserRef):
    via: Literal["role", "everyone", "groups"] = Field(
        description="role: an admin or owner (never restricted); everyone: the model is open to "
        "every member; groups: a member of one of ``group_ids``."
    )
    group_ids: list[str]


class ModelAccessReport(BaseModel):
    """Who can use a model now (deactivated users excluded)."""

    model_id: str
    mode: Literal["everyone", "groups"]
    visible: bool
    groups: list[GroupRef]
    user_count: int
    users: list[AccessUser]
