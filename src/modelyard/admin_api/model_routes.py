"""``/api/models``, their deployments, fallbacks and live test."""

from __future__ import annotations

from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from modelyard.admin_api.deps import AdminDep, ServicesDep, SessionDep
from modelyard.routing.live_test import LiveTestPayer, run_live_test
from modelyard.routing.snapshot import ModelConfig, load_workspace
from modelyard.workspace import (
    deployments,
    fallbacks,
    model_access,
    models,
    price_history,
    publishing,
)
from modelyard.workspace.group_schemas import ModelAccessReport
from modelyard.workspace.schemas import (
    DeploymentCreate,
    DeploymentOut,
    DeploymentUpdate,
    FallbackRef,
    FallbacksSet,
    ModelCreate,
    ModelOut,
    ModelUpdate,
)

router = APIRouter(prefix="/api", tags=["models"])


@router.post("/models", status_code=201)
def create_model(
    data: ModelCreate,
    actor: AdminDep,
    session: SessionDep,
    duplicates: Literal["ask"] | None = None,
) -> ModelOut:
    """``?duplicates=ask``: 409 ``duplicate_model`` if a model of this kind and provider model
    name exists already (without it, a second one is made as before)."""
    return models.create_model(session, actor, data, confirm_duplicate=duplicates != "ask")


@router.get("/models")
def list_models(
    actor: AdminDep,
    session: SessionDep,
    kind: Literal["completion", "image", "embedding"] | None = None,
) -> list[ModelOut]:
    return models.list_models(session, actor, kind)


@router.get("/models/{model_id}")
def get_model(model_id: str, actor: AdminDep, session: SessionDep) -> ModelOut:
    return models.get_model(session, actor, model_id)


@router.get("/models/{model_id}/prices")
def model_prices(
    model_id: str, actor: AdminDep, session: SessionDep
) -> list[price_history.PriceOut]:
    """Every price the model had, oldest first, with the time it took effect."""
    return price_history.list_prices(session, actor, model_id)


@router.patch("/models/{model_id}")
def update_model(
    model_id: str,
    data: ModelUpdate,
    actor: AdminDep,
    session: SessionDep,
    publish_override: str | None = None,
) -> ModelOut:
    """``visible: true`` for a model whose last live test failed: 409 ``failed_test``, unless
    ``?publish_override=<reason>`` gives the reason (recorded in the audit log)."""
    return models.update_model(session, actor, model_id, data, publish_override=publish_override)


@router.delete("/models/{model_id}", status_code=204)
def delete_model(model_id: str, actor: AdminDep, session: SessionDep) -> Response:
    models.delete_model(session, actor, model_id)
    return Response(status_code=204)


@router.get("/models/{model_id}/access")
def who_can_use(model_id: str, actor: AdminDep, session: SessionDep) -> ModelAccessReport:
    """The groups the model is given to and every active user who can use it now, and why."""
    return model_access.who_can_use(session, actor, models.load_row(session, actor, model_id))


@router.post("/models/{model_id}/deployments", status_code=201)
def create_deployment(
    model_id: str, data: DeploymentCreate, actor: AdminDep, session: SessionDep
) -> DeploymentOut:
    return deployments.create_deployment(session, actor, model_id, data)


@router.get("/models/{model_id}/deployments")
def list_deployments(model_id: str, actor: AdminDep, session: SessionDep) -> list[DeploymentOut]:
    return deployments.list_deployments(session, actor, model_id)


@router.patch("/deployments/{deployment_id}")
def update_deployment(
    deployment_id: str, data: DeploymentUpdate, actor: AdminDep, session: SessionDep
) -> DeploymentOut:
    return deployments.update_deployment(session, actor, deployment_id, data)


@router.delete("/deployments/{deployment_id}", status_code=204)
def delete_deployment(deployment_id: str, actor: AdminDep, session: SessionDep) -> Response:
    deployments.delete_deployment(session, actor, deployment_id)
    return Response(status_code=204)


@router.put("/models/{model_id}/fallbacks")
def set_fallbacks(
    model_id: str, data: FallbacksSet, actor: AdminDep, session: SessionDep
) -> dict[str, list[FallbackRef]]:
    return {"fallbacks": fallbacks.set_fallbacks(session, actor, model_id, data)}


class ModelTestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str | None = Field(default=None, max_length=4000)


@router.post("/models/{model_id}/test")
async def test_model(
    model_id: str,
    actor: AdminDep,
    services: ServicesDep,
    data: ModelTestRequest | None = None,
) -> dict[str, Any]:
    """Send a real request through each deployment (hidden models included) and probe each
    declared capability; the answer says what works before members rely on it."""

    def load() -> ModelConfig:
        with services.session() as session:
            row = models.load_row(session, actor, model_id)
            config = load_workspace(session, services.secret_box, actor.workspace_id)
            return config.models_by_id[row.id]

    model = await anyio.to_thread.run_sync(load)
    payer = LiveTestPayer(services.meter, actor.workspace_id, actor.user_id)
    result = await run_live_test(services.upstream, model, data.prompt if data else None, payer)

    def keep() -> None:  # the last test decides whether the model may be made visible
        with services.session() as session:
            row = models.load_row(session, actor, model_id)
            publishing.record_test(session, actor, row, result)
            session.commit()

    await anyio.to_thread.run_sync(keep)
    return result
