"""``/api/models``, their deployments, fallbacks and live test."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from modelyard.admin_api.deps import AdminDep, SessionDep
from modelyard.errors import ModelyardError
from modelyard.workspace import deployments, fallbacks, models
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


class NotImplementedYet(ModelyardError):
    status = 501
    type = "not_implemented"


@router.post("/models", status_code=201)
def create_model(data: ModelCreate, actor: AdminDep, session: SessionDep) -> ModelOut:
    return models.create_model(session, actor, data)


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


@router.patch("/models/{model_id}")
def update_model(
    model_id: str, data: ModelUpdate, actor: AdminDep, session: SessionDep
) -> ModelOut:
    return models.update_model(session, actor, model_id, data)


@router.delete("/models/{model_id}", status_code=204)
def delete_model(model_id: str, actor: AdminDep, session: SessionDep) -> Response:
    models.delete_model(session, actor, model_id)
    return Response(status_code=204)


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


@router.post("/models/{model_id}/test")
def test_model(model_id: str, actor: AdminDep, session: SessionDep) -> None:
    models.get_model(session, actor, model_id)
    raise NotImplementedYet(
        "The live model test arrives with the gateway; the model is saved and can be tested then.",
        code="not_implemented",
    )
