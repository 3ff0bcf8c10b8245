"""Which model a call is for, and whether this caller may use it now."""

from __future__ import annotations

from modelyard.errors import BadRequest, NotFound
from modelyard.routing.access import check_key_scope, may_use
from modelyard.routing.config_store import Caller
from modelyard.routing.snapshot import ModelConfig, WorkspaceConfig

_ENDPOINT = {
    "completion": "/v1/chat/completions",
    "embedding": "/v1/embeddings",
    "image": "/v1/images/generations",
}


def resolve_model(config: WorkspaceConfig, caller: Caller, slug: str, kind: str) -> ModelConfig:
    """The caller's model by slug (or their default for chat). Hidden models exist only for
    admins, who must be able to test them before members see them."""
    if not slug:
        default_id = config.default_models.get(caller.user_id) if kind == "completion" else None
        model = config.models_by_id.get(default_id) if default_id else None
        if model is None or not may_use(config, caller, model):
            raise BadRequest("'model' is required (you have no default model set).", param="model")
    else:
        found = config.models_by_slug.get(slug)
        if found is None or not may_use(config, caller, found):
            raise NotFound(
                f"The model '{slug}' does not exist or you do not have access to it.",
                param="model",
                code="model_not_found",
            )
        model = found
    if model.kind != kind:
        raise BadRequest(
            f"'{model.slug}' is a{'n' if model.kind[0] in 'ie' else ''} {model.kind} model; "
            f"call it through {_ENDPOINT[model.kind]}.",
            param="model",
            code="wrong_model_kind",
        )
    check_key_scope(caller, model)
    return model
