"""``GET /v1/models``: the models (and assistants) this caller may use, with our extra fields."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import NotFound
from modelyard.gateway.context import GatewayContext
from modelyard.gateway.http_io import json_response
from modelyard.routing.access import key_allows, may_use
from modelyard.routing.config_store import Caller
from modelyard.routing.snapshot import ModelConfig, WorkspaceConfig


def _model_entry(model: ModelConfig) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": model.slug,
        "object": "model",
        "created": model.created,
        "owned_by": model.provider,
        "display_name": model.display_name,
        "kind": model.kind,
        "region": model.region,
        "description": {"en": model.description_en, "de": model.description_de},
        "premium": model.premium,
        "maintenance": model.maintenance,
        "visible": model.visible,
    }
    if model.kind == "completion":
        entry["capabilities"] = model.capabilities.model_dump()
        entry["context_window"] = model.context_window
        entry["max_output_tokens"] = model.max_output_tokens
        entry["available_in_assistants"] = model.available_in_assistants
    elif model.kind == "image":
        entry["capabilities"] = {"image_generation": True, "image_editing": model.image_editing}
    else:
        entry["capabilities"] = {}
    return entry


def _entries(config: WorkspaceConfig, caller: Caller) -> list[dict[str, Any]]:
    """The caller's models, then assistants, in slug order (what the list shows)."""
    data = [
        _model_entry(model)
        for model in sorted(config.models_by_slug.values(), key=lambda m: m.slug)
        if may_use(config, caller, model) and key_allows(caller, model)
    ]
    for assistant in sorted(config.assistants_by_slug.values(), key=lambda a: a.slug):
        entry = _assistant_entry(config, caller, assistant.slug)
        if entry is not None:
            data.append(entry)
    return data


def _assistant_entry(config: WorkspaceConfig, caller: Caller, slug: str) -> dict[str, Any] | None:
    assistant = config.assistants_by_slug.get(slug)
    if assistant is None:
        return None
    backing = config.models_by_id.get(assistant.model_id)
    if backing is None or not (may_use(config, caller, backing) and key_allows(caller, backing)):
        return None
    return {
        "id": assistant.slug,
        "object": "model",
        "created": assistant.created,
        "owned_by": "assistant",
        "display_name": assistant.name,
        "kind": "assistant",
        "model": backing.slug,
        "tools": list(assistant.tools),
    }


async def list_models(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    config = await ctx.config.workspace(caller.workspace_id)
    return json_response({"object": "list", "data": _entries(config, caller)})


async def get_model(ctx: GatewayContext, request: Request) -> Response:
    """``GET /v1/models/{slug}``: the entry the list shows, or a 404 (OpenAI's shape) when the
    caller may not use it, exactly as for a model that does not exist."""
    caller = await ctx.authenticate(request.headers.get("authorization"))
    config = await ctx.config.workspace(caller.workspace_id)
    slug = unquote(request.url.path.rstrip("/").rpartition("/")[2])
    model = config.models_by_slug.get(slug)
    entry: dict[str, Any] | None = None
    if model is not None and may_use(config, caller, model) and key_allows(caller, model):
        entry = _model_entry(model)
    elif model is None:
        entry = _assistant_entry(config, caller, slug)
    if entry is None:
        raise NotFound(
            f"The model '{slug}' does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
        )
    return json_response(entry)
