"""What the model lifecycle answers: models whose catalog entry is deprecated or removed, the
successor suggested for each, and the reviewed move of everything that depends on one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from modelyard.workspace.model_dependents import ModelDependents

LifecycleStatus = Literal["deprecated", "removed"]
ChangeKind = Literal[
    "assistant", "user_default", "fallback", "budget_fallback", "knowledge_collection"
]


class ModelBrief(BaseModel):
    id: str
    slug: str
    display_name: str
    kind: str
    catalog_id: str | None = None


class SuccessorOut(BaseModel):
    """The catalog entry suggested in place of a retired one, and ``reason``: ``named`` (the
    source names it), ``same_line`` (the newest current entry of the model line) or
    ``similar_name`` (no line known: the closest model name of the provider)."""

    catalog_id: str
    display_name: str
    release_date: str | None = None
    reason: str
    #: This workspace's models set up from that entry (the move's default target is the first).
    models: list[ModelBrief] = []


class RetiredModelOut(BaseModel):
    """A pre-configured model whose catalog entry is deprecated or removed. A removed entry's
    model keeps working on its last known prices and capabilities; ``dependents`` is what the
    move would change (``model_dependents``' view of the model)."""

    model: ModelBrief
    status: LifecycleStatus
    since: datetime | None = None
    successor: SuccessorOut | None = None
    dependents: ModelDependents


class PlannedChange(BaseModel):
    """One change the move makes: the dependent moves from the retired model to the target
    (``repoint``), a fallback link that would repeat the target or point a model at itself goes
    (``drop``), or the dependent stays (``keep``: a knowledge collection, whose documents would
    need embedding anew; ``note`` says so). ``blocked`` says why a change cannot be made; any
    block stops the whole move."""

    kind: ChangeKind
    id: str  # assistant, user, model owning the fallback chain, budget, knowledge collection
    name: str
    action: Literal["repoint", "drop", "keep"] = "repoint"
    blocked: str | None = None
    note: str | None = None


class MigrationPlan(BaseModel):
    """Every change moving ``model``'s dependents to ``target`` makes, for review. ``plan_id``
    names exactly this list: confirming with it refuses (409) if anything changed since."""

    model: ModelBrief
    target: ModelBrief
    changes: list[PlannedChange]
    plan_id: str
    applied: bool = False

    @property
    def blocked(self) -> list[PlannedChange]:
        return [c for c in self.changes if c.blocked]


class MigrateRequest(BaseModel):
    """``target_model_id``: the model to move to (default: the workspace's model of the
    suggested successor entry); ``plan_id``: the reviewed plan's id (optional for scripts)."""

    model_config = ConfigDict(extra="forbid")

    target_model_id: str | None = Field(default=None, max_length=40)
    plan_id: str | None = Field(default=None, max_length=64)
