"""Deployments: a model's route to a provider endpoint (model key + identifier + TPM)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modelyard.errors import InvalidInput, NotFound
from modelyard.storage.tables import DeploymentRow, ModelKeyRow, ModelRow
from modelyard.workspace import audit
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id
from modelyard.workspace.model_keys import load_key
from modelyard.workspace.models import deployment_out, load_row
from modelyard.workspace.providers import key_serves_model
from modelyard.workspace.schemas import DeploymentCreate, DeploymentOut, DeploymentUpdate

TPM_KINDS = frozenset({"completion", "image"})


def _check(model: ModelRow, key: ModelKeyRow, tpm_limit: int | None) -> None:
    if not key_serves_model(key.provider, model.provider):
        raise InvalidInput(
            f"Model key '{key.name}' is a {key.provider} key; it cannot serve a "
            f"{model.provider} model.",
            param="key_id",
            code="provider_mismatch",
        )
    if tpm_limit is not None and model.kind not in TPM_KINDS:
        raise InvalidInput(
            f"'tpm_limit' does not apply to {model.kind} models.",
            param="tpm_limit",
            code="field_not_for_kind",
        )


def create_deployment(
    session: Session, actor: Actor, model_id: str, data: DeploymentCreate
) -> DeploymentOut:
    actor.require_admin()
    model = load_row(session, actor, model_id)
    key = load_key(session, actor, data.key_id)
    _check(model, key, data.tpm_limit)
    row = DeploymentRow(
        id=new_id("dep"),
        workspace_id=actor.workspace_id,
        model_id=model.id,
        key_id=key.id,
        model_identifier=data.model_identifier,
        tpm_limit=data.tpm_limit,
    )
    session.add(row)
    audit.record(
        session, actor, "deployment.create", "deployment", row.id, model_id=model.id, key_id=key.id
    )
    session.commit()
    return deployment_out(row, key)


def _load(session: Session, actor: Actor, deployment_id: str) -> DeploymentRow:
    row = session.get(DeploymentRow, deployment_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(f"No deployment with id '{deployment_id}' in this workspace.")
    return row


def update_deployment(
    session: Session, actor: Actor, deployment_id: str, data: DeploymentUpdate
) -> DeploymentOut:
    actor.require_admin()
    row = _load(session, actor, deployment_id)
    sent = data.model_fields_set
    for field in ("key_id", "model_identifier"):
        if field in sent and getattr(data, field) is None:
            raise InvalidInput(f"'{field}' cannot be null.", param=field)
    model = load_row(session, actor, row.model_id)
    key = load_key(session, actor, data.key_id or row.key_id)
    tpm = data.tpm_limit if "tpm_limit" in sent else row.tpm_limit
    _check(model, key, tpm)
    row.key_id = key.id
    row.model_identifier = data.model_identifier or row.model_identifier
    row.tpm_limit = tpm
    audit.record(session, actor, "deployment.update", "deployment", row.id, fields=sorted(sent))
    session.commit()
    return deployment_out(row, key)


def delete_deployment(session: Session, actor: Actor, deployment_id: str) -> None:
    actor.require_admin()
    row = _load(session, actor, deployment_id)
    model_id = row.model_id
    # Two deletions at once (or the model's deletion): the one that comes second removes 0
    # rows; a 404 for it, not the ORM's "0 rows matched" (a 500 the fuzz run found).
    session.expunge(row)
    removed = session.execute(delete(DeploymentRow).where(DeploymentRow.id == deployment_id))
    if int(getattr(removed, "rowcount", 0) or 0) == 0:
        session.rollback()
        raise NotFound(f"No deployment with id '{deployment_id}' in this workspace.")
    audit.record(
        session, actor, "deployment.delete", "deployment", deployment_id, model_id=model_id
    )
    session.commit()


def list_deployments(session: Session, actor: Actor, model_id: str) -> list[DeploymentOut]:
    actor.require_admin()
    model = load_row(session, actor, model_id)
    pairs = session.execute(
        select(DeploymentRow, ModelKeyRow)
        .join(ModelKeyRow, ModelKeyRow.id == DeploymentRow.key_id)
        .where(DeploymentRow.model_id == model.id)
        .order_by(DeploymentRow.created_at)
    )
    return [deployment_out(dep, key) for dep, key in pairs]
