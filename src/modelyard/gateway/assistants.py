"""Assistants on ``/v1/chat/completions``: ``model`` may name an assistant instead of a model.

The call then becomes a call to the assistant's model, with the assistant's instructions as the
first system message and, when the assistant has a knowledge collection, the chunks that match
the last user message (above the embedding model's similarity threshold) appended to that
message with their sources, so the model can answer from them and say where it found them.

Only a model available in assistants may answer: an admin who withdraws the flag withdraws
every assistant built on it at once (409 until it gets another model), even though the
assistant itself was valid when it was saved. A hidden model hides its assistants from members
(as in ``/v1/models``). Plain model calls pay one dictionary lookup for all this.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from modelyard.errors import Conflict, NotFound
from modelyard.gateway.context import GatewayContext
from modelyard.llm_types import ChatRequest, Message, TextPart
from modelyard.routing.access import check_key_scope, may_use
from modelyard.routing.config_store import Caller
from modelyard.routing.embedding_call import Requester
from modelyard.routing.resolve import resolve_model
from modelyard.routing.snapshot import AssistantConfig, ModelConfig, WorkspaceConfig

if TYPE_CHECKING:
    from modelyard.knowledge.schemas import SearchHit

CONTEXT_CHUNKS = 5
CONTEXT_INTRO = (
    "Excerpts from the knowledge base that match the user's last message. Answer from them "
    "when they are relevant, and name the source document of what you use."
)


async def resolve_chat(
    ctx: GatewayContext, config: WorkspaceConfig, caller: Caller, chat: ChatRequest
) -> tuple[ChatRequest, ModelConfig]:
    """The request as it goes on, and the model it is for: the named model (or the caller's
    default), or the model of the named assistant with its instructions and knowledge."""
    assistant = config.assistants_by_slug.get(chat.model)
    if assistant is None:
        return chat, resolve_model(config, caller, chat.model, "completion")
    model = _backing_model(config, caller, assistant)
    system = assistant.instructions.strip()
    if assistant.knowledge_collection_id is not None:
        hits = await _retrieve(ctx, caller, assistant.knowledge_collection_id, chat)
        if hits:
            system = "\n\n".join(part for part in (system, context_block(hits)) if part)
    messages = list(chat.messages)
    if system:
        messages.insert(0, Message(role="system", parts=[TextPart(system)]))
    return replace(chat, model=model.slug, messages=messages), model


def _backing_model(
    config: WorkspaceConfig, caller: Caller, assistant: AssistantConfig
) -> ModelConfig:
    model = config.models_by_id.get(assistant.model_id)
    if model is None or not may_use(config, caller, model):
        raise NotFound(
            f"The model '{assistant.slug}' does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
        )
    if model.kind != "completion" or not model.available_in_assistants:
        raise Conflict(
            f"The assistant '{assistant.slug}' runs on '{model.slug}', which is no longer "
            "available in assistants; an admin must give the assistant another model.",
            param="model",
            code="not_available_in_assistants",
        )
    check_key_scope(caller, model)
    return model


async def _retrieve(
    ctx: GatewayContext, caller: Caller, collection_id: str, chat: ChatRequest
) -> list[SearchHit]:
    """The collection's chunks matching the last user message (none without one)."""
    from modelyard.knowledge import runtime  # only assistants with knowledge need it
    from modelyard.knowledge.schemas import MAX_QUERY_CHARS

    query = next((m.text for m in reversed(chat.messages) if m.role == "user"), "").strip()
    if not query:
        return []
    who = Requester(caller.workspace_id, caller.user_id, caller.api_key_id, caller.is_admin)
    knowledge = runtime.attached(ctx.config)
    result = await knowledge.search(
        who, collection_id, query[-MAX_QUERY_CHARS:], top_k=CONTEXT_CHUNKS
    )
    return result.results


def context_block(hits: list[SearchHit]) -> str:
    """The retrieved chunks as the system message shows them, each with its source."""
    parts = [CONTEXT_INTRO]
    for number, hit in enumerate(hits, 1):
        parts.append(f"[{number}] Source: {hit.document_name}\n{hit.text}")
    return "\n\n".join(parts)
