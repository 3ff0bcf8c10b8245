"""What depends on a model: the one answer to "what breaks if it goes?".

Deleting a model is refused while another model falls back to it, an assistant runs on it, a
knowledge collection is embedded by it or a budget falls back to it; users whose default it is
only lose that default. The API, the model page and the lifecycle pages all ask here, so the
list an admin sees before deleting is exactly the list the refusal names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict, NotFound
from modelyard.storage.tables import (
    ApiKeyRow,
    AssistantRow,
    BudgetRow,
    FallbackRow,
    GroupRow,
    KnowledgeCollectionRow,
    ModelRow,
    UserRow,
)
from modelyard.workspace.actor import Actor


class Dependent(BaseModel):
    """One thing that depends on the model: its id and a name an admin recognises."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str


class ModelDependents(BaseModel):
    """Everything that refers to one model, each list sorted by name. Frozen and a pydantic
    model, so callers can hand it on as JSON (``model_dump``) without a copy of their own."""

    model_config = ConfigDict(frozen=True)

    model_id: str
    model_slug: str
    fallback_of: tuple[Dependent, ...]
    assistants: tuple[Dependent, ...]
    knowledge_collections: tuple[Dependent, ...]
    budgets: tuple[Dependent, ...]
    default_of_users: tuple[Dependent, ...]

    @property
    def blocks_deletion(self) -> bool:
        """True while deleting would leave a chain, assistant, collection or budget dangling;
        users' defaults never block (deletion clears them)."""
        return self.refusal() is not None

    def refusal(self) -> Conflict | None:
        """The error deleting the model raises now, naming the first kind of dependent."""
        slug = self.model_slug
        if self.fallback_of:
            return Conflict(
                f"Model '{slug}' is a fallback of {_names(self.fallback_of)}; "
                "remove it from those chains first.",
                code="in_use",
            )
        if self.assistants:
            return Conflict(
                f"Model '{slug}' backs the assistant(s) {_names(self.assistants)}.",
                code="in_use",
            )
        if self.knowledge_collections:
            return Conflict(
                f"Model '{slug}' embeds the knowledge collection(s) "
                f"{_names(self.knowledge_collections)}; give them another model first.",
                code="in_use",
            )
        if self.budgets:
            return Conflict(
                f"Model '{slug}' is the fallback of the budget(s) "
                f"{', '.join(d.id for d in self.budgets)}; "
                "give them another fallback model first.",
                code="in_use",
            )
        return None


def _names(items: tuple[Dependent, ...]) -> str:
    return ", ".join(d.name for d in items)


def _sorted(pairs: Iterable[Any]) -> tuple[Dependent, ...]:
    """Dependents sorted by name, each once (a model may list another twice in no chain, but
    a join can still repeat a row)."""
    found = {(str(i), str(n)) for i, n in pairs}
    return tuple(Dependent(id=i, name=n) for i, n in sorted(found, key=lambda p: (p[1], p[0])))


def dependents_of(session: Session, actor: Actor, model_id: str) -> ModelDependents:
    """The dependents of the workspace's model ``model_id`` (404 for another workspace's)."""
    actor.require_admin()
    model = session.get(ModelRow, model_id)
    if model is None or model.workspace_id != actor.workspace_id:
        raise NotFound(f"No model with id '{model_id}' in this workspace.", param="model_id")
    ws = actor.workspace_id
    fallback_of = session.execute(
        select(ModelRow.id, ModelRow.slug)
        .join(FallbackRow, FallbackRow.model_id == ModelRow.id)
        .where(FallbackRow.fallback_model_id == model.id, ModelRow.workspace_id == ws)
    )
    assistants = session.execute(
        select(AssistantRow.id, AssistantRow.name).where(
            AssistantRow.model_id == model.id, AssistantRow.workspace_id == ws
        )
    )
    collections = session.execute(
        select(KnowledgeCollectionRow.id, KnowledgeCollectionRow.name).where(
            KnowledgeCollectionRow.embedding_model_id == model.id,
            KnowledgeCollectionRow.workspace_id == ws,
        )
    )
    users = session.execute(
        select(UserRow.id, UserRow.email).where(
            UserRow.default_model_id == model.id, UserRow.workspace_id == ws
        )
    )
    return ModelDependents(
        model_id=model.id,
        model_slug=model.slug,
        fallback_of=_sorted(fallback_of),
        assistants=_sorted(assistants),
        knowledge_collections=_sorted(collections),
        budgets=_budgets(session, ws, model.id),
        default_of_users=_sorted(users),
    )


def _budgets(session: Session, workspace_id: str, model_id: str) -> tuple[Dependent, ...]:
    """Budgets named by what they limit: "monthly 100 USD, group Sales"."""
    rows = list(
        session.scalars(
            select(BudgetRow).where(
                BudgetRow.fallback_model_id == model_id, BudgetRow.workspace_id == workspace_id
            )
        )
    )
    named: list[tuple[str, str]] = []
    for row in rows:
        scope = _scope_label(session, row.scope, row.scope_id)
        named.append((row.id, f"{row.period} {row.amount_usd} USD, {scope}"))
    return _sorted(named)


def _scope_label(session: Session, scope: str, scope_id: str | None) -> str:
    name: str | None = None
    if scope == "group" and scope_id:
        name = session.scalar(select(GroupRow.name).where(GroupRow.id == scope_id))
    elif scope == "user" and scope_id:
        name = session.scalar(select(UserRow.email).where(UserRow.id == scope_id))
    elif scope == "api_key" and scope_id:
        name = session.scalar(select(ApiKeyRow.name).where(ApiKeyRow.id == scope_id))
    label = scope.replace("_", " ")
    return f"{label} {name or scope_id}" if scope_id else label
