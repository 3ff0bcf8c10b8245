"""Assistants: instructions over a model that admins made available for assistants."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import InvalidInput, NotFound
from modelyard.storage.deletion import delete_row
from modelyard.storage.tables import AssistantRow, KnowledgeCollectionRow, ModelRow
from modelyard.workspace import audit, model_access, slugs
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id
from modelyard.workspace.schemas import AssistantCreate, AssistantOut, AssistantUpdate


def _model_for(session: Session, actor: Actor, model_id: str, tools: Sequence[str]) -> ModelRow:
    model = session.get(ModelRow, model_id)
    if model is None or model.workspace_id != actor.workspace_id:
        raise NotFound(f"No model with id '{model_id}' in this workspace.", param="model_id")
    if model.kind != "completion" or not model.available_in_assistants:
        raise InvalidInput(
            f"'{model.display_name}' is not available when building assistants.",
            param="model_id",
            code="not_available_in_assistants",
        )
    if "canvas" in tools and not (model.capabilities or {}).get("canvas"):
        raise InvalidInput(
            f"The canvas tool needs a model with the canvas capability; "
            f"'{model.display_name}' does not have it.",
            param="tools",
            code="canvas_not_supported",
        )
    return model


def _collection_for(session: Session, actor: Actor, collection_id: str | None) -> str | None:
    """The knowledge collection to answer from: one of this workspace, or none."""
    if collection_id is None:
        return None
    row = session.get(KnowledgeCollectionRow, collection_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(
            f"No knowledge collection with id '{collection_id}' in this workspace.",
            param="knowledge_collection_id",
        )
    return row.id


def _load(session: Session, actor: Actor, assistant_id: str) -> AssistantRow:
    row = session.get(AssistantRow, assistant_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(f"No assistant with id '{assistant_id}' in this workspace.")
    return row


def _out(row: AssistantRow) -> AssistantOut:
    return AssistantOut.model_validate(row, from_attributes=True)


def create_assistant(session: Session, actor: Actor, data: AssistantCreate) -> AssistantOut:
    actor.require_admin()
    tools: list[str] = sorted(set(data.tools))
    model = _model_for(session, actor, data.model_id, tools)
    row = AssistantRow(
        id=new_id("ast"),
        workspace_id=actor.workspace_id,
        name=data.name,
        slug=slugs.allocate(session, actor.workspace_id, data.slug, f"assistant-{data.name}"),
        instructions=data.instructions,
        model_id=model.id,
        tools=tools,
        knowledge_collection_id=_collection_for(session, actor, data.knowledge_collection_id),
    )
    session.add(row)
    audit.record(session, actor, "assistant.create", "assistant", row.id, model_id=model.id)
    session.commit()
    return _out(row)


def update_assistant(
    session: Session, actor: Actor, assistant_id: str, data: AssistantUpdate
) -> AssistantOut:
    actor.require_admin()
    row = _load(session, actor, assistant_id)
    for field in ("name", "instructions", "model_id", "tools"):
        if field in data.model_fields_set and getattr(data, field) is None:
            raise InvalidInput(f"'{field}' cannot be null.", param=field)
    if data.model_id is not None or data.tools is not None:
        # Re-check only what changes: renaming an assistant must not fail because its model
        # has since lost a flag (the gateway refuses such an assistant until it is fixed).
        tools: list[str] = sorted(set(data.tools)) if data.tools is not None else list(row.tools)
        model = _model_for(session, actor, data.model_id or row.model_id, tools)
        row.model_id = model.id
        row.tools = tools
    if data.name is not None:
        row.name = data.name
    if data.instructions is not None:
        row.instructions = data.instructions
    if "knowledge_collection_id" in data.model_fields_set:
        row.knowledge_collection_id = _collection_for(session, actor, data.knowledge_collection_id)
    audit.record(
        session,
        actor,
        "assistant.update",
        "assistant",
        row.id,
        fields=sorted(data.model_fields_set),
    )
    session.commit()
    return _out(row)


def delete_assistant(session: Session, actor: Actor, assistant_id: str) -> None:
    actor.require_admin()
    row = _load(session, actor, assistant_id)
    delete_row(session, row, NotFound(f"No assistant with id '{assistant_id}' in this workspace."))
    audit.record(session, actor, "assistant.delete", "assistant", row.id)
    session.commit()


def list_assistants(session: Session, actor: Actor) -> list[AssistantOut]:
    """Members may list assistants too: they use them. Only those over a model they may use,
    as in ``/v1/models`` (admins see every one)."""
    rows = list(
        session.scalars(
            select(AssistantRow)
            .where(AssistantRow.workspace_id == actor.workspace_id)
            .order_by(AssistantRow.created_at)
        )
    )
    if not actor.is_admin:
        backing = session.scalars(
            select(ModelRow).where(ModelRow.id.in_({row.model_id for row in rows}))
        )
        usable = {
            m.id for m in model_access.usable_by(session, actor.user_id, actor.role, list(backing))
        }
        rows = [row for row in rows if row.model_id in usable]
    return [_out(row) for row in rows]
