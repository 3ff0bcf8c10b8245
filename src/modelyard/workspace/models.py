"""Models of a workspace: create (from the catalog or manually), read, change, delete."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from modelyard.catalog.schema import Capabilities
from modelyard.errors import InvalidInput, NotFound
from modelyard.storage.deletion import delete_row
from modelyard.storage.tables import (
    DeploymentRow,
    FallbackRow,
    ModelKeyRow,
    ModelRow,
    UserRow,
)
from modelyard.workspace import (
    audit,
    duplicates,
    model_access,
    model_dependents,
    price_history,
    publishing,
    slugs,
)
from modelyard.workspace.actor import Actor
from modelyard.workspace.catalog_store import active_catalog
from modelyard.workspace.ids import new_id
from modelyard.workspace.model_rules import (
    DEFAULT_SIMILARITY_THRESHOLD,
    apply_catalog_entry,
    apply_fields,
    check_fields,
    check_required,
    warnings_for,
)
from modelyard.workspace.schemas import (
    DeploymentOut,
    FallbackRef,
    MaxImagesPerUser,
    ModelCreate,
    ModelOut,
    ModelUpdate,
)


def _sent(data: ModelCreate | ModelUpdate) -> dict[str, Any]:
    """Only the fields the caller actually sent (``None`` included: it means "clear"); ``access``
    applies to every kind and is written by ``model_access``, not onto the row."""
    sent = data.model_dump(exclude={"kind", "catalog_id", "access"}, exclude_unset=True)
    return {k: v for k, v in sent.items() if k in data.model_fields_set}


def load_row(session: Session, actor: Actor, model_id: str) -> ModelRow:
    """The workspace's model, or 404: another workspace's id is as unknown as a made-up one."""
    row = session.get(ModelRow, model_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(f"No model with id '{model_id}' in this workspace.", param="model_id")
    return row


def create_model(
    session: Session, actor: Actor, data: ModelCreate, *, confirm_duplicate: bool = True
) -> ModelOut:
    """``confirm_duplicate=False``: 409 ``duplicate_model`` if the workspace already has a
    model of this kind and provider model name (see ``duplicates``)."""
    actor.require_admin()
    sent = _sent(data)
    check_fields(data.kind, data.catalog_id is not None, sent)
    row = ModelRow(
        id=new_id("mdl"),
        workspace_id=actor.workspace_id,
        kind=data.kind,
        catalog_id=data.catalog_id,
        region="Global",
        visible=False,
        available_in_assistants=False,
        premium=False,
        maintenance=False,
        allow_cross_region_fallback=False,
        image_editing=False,
        capabilities=Capabilities().model_dump() if data.kind == "completion" else {},
    )
    if data.catalog_id is not None:
        entry = active_catalog(session).get(data.catalog_id)
        if entry is None:
            raise InvalidInput(
                f"No catalog entry '{data.catalog_id}'.", param="catalog_id", code="unknown_entry"
            )
        if entry.kind != data.kind:
            raise InvalidInput(
                f"Catalog entry '{entry.id}' is a {entry.kind} model, not {data.kind}.",
                param="catalog_id",
                code="kind_mismatch",
            )
        apply_catalog_entry(row, entry)
        row.catalog_status = "current"
        row.display_name = entry.display_name
    if data.kind == "embedding":
        row.similarity_threshold = DEFAULT_SIMILARITY_THRESHOLD
    apply_fields(row, {k: v for k, v in sent.items() if k != "slug"})
    if not row.display_name:
        row.display_name = row.provider_model_name or ""
    check_required(data.kind, row)
    if not row.display_name:
        raise InvalidInput("'display_name' is required.", param="display_name", code="required")
    duplicates.check_model(session, actor, row, confirm_duplicate)
    row.slug = slugs.allocate(session, actor.workspace_id, sent.get("slug"), row.display_name)
    session.add(row)
    if data.access is not None:
        model_access.set_access(session, actor, row, data.access)
    price_history.record_initial(session, row)
    audit.record(
        session, actor, "model.create", "model", row.id, kind=row.kind, catalog_id=row.catalog_id
    )
    session.commit()
    return to_out(session, [row])[0]


def update_model(
    session: Session,
    actor: Actor,
    model_id: str,
    data: ModelUpdate,
    *,
    publish_override: str | None = None,
) -> ModelOut:
    """Making a model visible whose last live test failed needs ``publish_override`` (the
    admin's reason, audited); see ``publishing``."""
    actor.require_admin()
    row = load_row(session, actor, model_id)
    sent = _sent(data)
    if sent.get("visible") is True and not row.visible:
        publishing.check_publish(session, actor, row, publish_override)
    check_fields(row.kind, row.catalog_id is not None, sent)
    if "slug" in sent and sent["slug"] != row.slug:
        row.slug = slugs.allocate(session, actor.workspace_id, sent["slug"], row.display_name)
    before = price_history.prices_of(row)
    apply_fields(row, {k: v for k, v in sent.items() if k != "slug"})
    check_required(row.kind, row)
    price_history.record_change(session, row, before, "admin")
    if "access" in data.model_fields_set:
        if data.access is None:
            raise InvalidInput("'access' cannot be null.", param="access", code="null_not_allowed")
        model_access.set_access(session, actor, row, data.access)
    changed = sorted(sent) + (["access"] if "access" in data.model_fields_set else [])
    audit.record(session, actor, "model.update", "model", row.id, fields=sorted(changed))
    session.commit()
    return to_out(session, [row])[0]


def delete_model(session: Session, actor: Actor, model_id: str) -> None:
    """Delete a model with its deployments; refused while another model or an assistant
    depends on it, so no chain or assistant is left pointing at nothing."""
    actor.require_admin()
    row = load_row(session, actor, model_id)
    refusal = model_dependents.dependents_of(session, actor, row.id).refusal()
    if refusal is not None:
        raise refusal
    session.execute(delete(FallbackRow).where(FallbackRow.model_id == row.id))
    session.execute(delete(DeploymentRow).where(DeploymentRow.model_id == row.id))
    model_access.delete_for_model(session, row.id)
    session.execute(
        update(UserRow)
        .where(UserRow.workspace_id == actor.workspace_id, UserRow.default_model_id == row.id)
        .values(default_model_id=None)
    )
    delete_row(
        session, row, NotFound(f"No model with id '{row.id}' in this workspace.", param="model_id")
    )
    audit.record(session, actor, "model.delete", "model", row.id, slug=row.slug)
    session.commit()


def get_model(session: Session, actor: Actor, model_id: str) -> ModelOut:
    actor.require_admin()
    return to_out(session, [load_row(session, actor, model_id)])[0]


def list_models(session: Session, actor: Actor, kind: str | None = None) -> list[ModelOut]:
    actor.require_admin()
    query = select(ModelRow).where(ModelRow.workspace_id == actor.workspace_id)
    if kind is not None:
        query = query.where(ModelRow.kind == kind)
    return to_out(session, list(session.scalars(query.order_by(ModelRow.created_at))))


def to_out(session: Session, rows: Sequence[ModelRow]) -> list[ModelOut]:
    """Render rows with their deployments and fallbacks in three queries, whatever the count."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    deployments: dict[str, list[DeploymentOut]] = defaultdict(list)
    for dep, key in session.execute(
        select(DeploymentRow, ModelKeyRow)
        .join(ModelKeyRow, ModelKeyRow.id == DeploymentRow.key_id)
        .where(DeploymentRow.model_id.in_(ids))
        .order_by(DeploymentRow.created_at)
    ):
        deployments[dep.model_id].append(deployment_out(dep, key))
    fallbacks: dict[str, list[FallbackRef]] = defaultdict(list)
    for link, target in session.execute(
        select(FallbackRow, ModelRow)
        .join(ModelRow, ModelRow.id == FallbackRow.fallback_model_id)
        .where(FallbackRow.model_id.in_(ids))
        .order_by(FallbackRow.position)
    ):
        fallbacks[link.model_id].append(
            FallbackRef(id=target.id, slug=target.slug, display_name=target.display_name)
        )
    access = model_access.groups_of_models(session, ids)
    return [
        _row_out(row, deployments[row.id], fallbacks[row.id], access.get(row.id, []))
        for row in rows
    ]


def deployment_out(dep: DeploymentRow, key: ModelKeyRow) -> DeploymentOut:
    return DeploymentOut(
        id=dep.id,
        model_id=dep.model_id,
        key_id=dep.key_id,
        key_name=key.name,
        provider=key.provider,
        model_identifier=dep.model_identifier,
        tpm_limit=dep.tpm_limit,
        created_at=dep.created_at,
    )


def _row_out(
    row: ModelRow, deps: list[DeploymentOut], fbs: list[FallbackRef], group_ids: list[str]
) -> ModelOut:
    completion, image, embedding = (row.kind == k for k in ("completion", "image", "embedding"))
    access = model_access.access_out(row, group_ids)
    warnings = warnings_for(row, len(deps))
    if access.mode == "groups" and not access.group_ids:
        warnings.append(
            "Restricted to groups but given to none: only admins and owners can use it."
        )
    max_images = (
        MaxImagesPerUser(count=row.max_images_count, window_hours=row.max_images_window_hours)
        if row.max_images_count and row.max_images_window_hours
        else None
    )
    return ModelOut(
        id=row.id,
        kind=row.kind,
        slug=row.slug,
        catalog_id=row.catalog_id,
        catalog_status=row.catalog_status,
        preconfigured=row.catalog_id is not None,
        display_name=row.display_name,
        provider=row.provider,
        provider_model_name=row.provider_model_name,
        region=row.region,
        description_en=row.description_en,
        description_de=row.description_de,
        visible=row.visible,
        available_in_assistants=row.available_in_assistants and completion,
        premium=row.premium,
        maintenance=row.maintenance,
        allow_cross_region_fallback=row.allow_cross_region_fallback,
        context_window=row.context_window if completion or embedding else None,
        max_output_tokens=row.max_output_tokens if completion else None,
        input_price=row.input_price if completion or embedding else None,
        output_price=row.output_price if completion else None,
        cache_read_price=row.cache_read_price if completion else None,
        cache_write_price=row.cache_write_price if completion else None,
        image_price=row.image_price if image else None,
        capabilities=Capabilities.model_validate(row.capabilities) if completion else None,
        image_generation=True if image else None,
        image_editing=row.image_editing if image else None,
        max_images_per_user=max_images,
        similarity_threshold=row.similarity_threshold if embedding else None,
        embedding_dimensions=row.embedding_dimensions if embedding else None,
        deployments=deps,
        fallbacks=fbs,
        access=access,
        warnings=warnings,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
