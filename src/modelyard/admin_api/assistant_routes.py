"""``/api/assistants``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from modelyard.admin_api.deps import ActorDep, AdminDep, SessionDep
from modelyard.workspace import assistants
from modelyard.workspace.schemas import AssistantCreate, AssistantOut, AssistantUpdate

router = APIRouter(prefix="/api/assistants", tags=["assistants"])


@router.get("")
def list_assistants(actor: ActorDep, session: SessionDep) -> list[AssistantOut]:
    return assistants.list_assistants(session, actor)


@router.post("", status_code=201)
def create_assistant(data: AssistantCreate, actor: AdminDep, session: SessionDep) -> AssistantOut:
    return assistants.create_assistant(session, actor, data)


@router.patch("/{assistant_id}")
def update_assistant(
    assistant_id: str, data: AssistantUpdate, actor: AdminDep, session: SessionDep
) -> AssistantOut:
    return assistants.update_assistant(session, actor, assistant_id, data)


@router.delete("/{assistant_id}", status_code=204)
def delete_assistant(assistant_id: str, actor: AdminDep, session: SessionDep) -> Response:
    assistants.delete_assistant(session, actor, assistant_id)
    return Response(status_code=204)
