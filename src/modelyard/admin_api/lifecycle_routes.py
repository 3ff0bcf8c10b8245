"""``/api/models/lifecycle`` and the move of a retired model's dependents to its successor."""

from __future__ import annotations

from fastapi import APIRouter

from modelyard.admin_api.deps import AdminDep, SessionDep
from modelyard.workspace import model_lifecycle, model_migration
from modelyard.workspace.lifecycle_schemas import MigrateRequest, MigrationPlan, RetiredModelOut

router = APIRouter(prefix="/api", tags=["models"])


@router.get("/models/lifecycle")
def list_retired(actor: AdminDep, session: SessionDep) -> list[RetiredModelOut]:
    """Pre-configured models whose catalog entry is deprecated or removed, each with what
    depends on it and the suggested successor."""
    return model_lifecycle.retired_models(session, actor)


@router.get("/models/{model_id}/lifecycle")
def get_retired(model_id: str, actor: AdminDep, session: SessionDep) -> RetiredModelOut:
    return model_lifecycle.retired_model(session, actor, model_id)


@router.get("/models/{model_id}/migration")
def review_migration(
    model_id: str, actor: AdminDep, session: SessionDep, target_model_id: str | None = None
) -> MigrationPlan:
    """Every change moving the model's dependents to the target would make (nothing is
    changed); ``plan_id`` names this list for the confirmation."""
    return model_migration.plan_migration(session, actor, model_id, target_model_id)


@router.post("/models/{model_id}/migrate")
def migrate(
    model_id: str, data: MigrateRequest, actor: AdminDep, session: SessionDep
) -> MigrationPlan:
    """Make the reviewed move in one transaction, audited. 409 ``plan_changed`` when the
    dependents changed since ``plan_id`` was reviewed, ``migration_blocked`` when a change
    cannot be made (the message names each)."""
    return model_migration.migrate(session, actor, model_id, data.target_model_id, data.plan_id)
