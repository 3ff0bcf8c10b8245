"""``GET /v1/models``: the models (and assistants) this caller may use, with our extra fields."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from modelyard.gateway.context import GatewayContext
from modelyard.gateway.http_io import json_response
from modelyard.routing.access import key_allows, may_use
from modelyard.routing.snapshot import ModelConfig


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


async def list_models(ctx: GatewayContext, request: Request) -> Response:
    caller = await ctx.authenticate(request.headers.get("authorization"))
    config = await ctx.config.workspace(caller.workspace_id)
    data = [
        _model_entry(model)
        for model in sorted(config.models_by_slug.values(), key=lambda m: m.slug)
        if may_use(config, caller, model) and key_allows(caller, model)
    ]
    for assistant in sorted(config.assistants_by_slug.values(), key=lambda a: a.slug):
        backing = config.models_by_id.get(assistant.model_id)
        if backing is None or not (
            may_use(config, caller, backing) and key_allows(caller, backing)
        ):
            continue
        data.append(
            {
                "id": assistant.slug,
                "object": "model",
                "created": assistant.created,
                "owned_by": "assistant",
                "display_name": assistant.name,
                "kind": "assistant",
                "model": backing.slug,
                "tools": list(assistant.tools),
            }
        )
    return json_response({"object": "list", "data": data})
