"""Fallback chains: ordered models of the same kind, tried when the primary cannot answer."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modelyard.errors import InvalidInput
from modelyard.storage.tables import FallbackRow, ModelRow
from modelyard.workspace import audit
from modelyard.workspace.actor import Actor
from modelyard.workspace.models import load_row
from modelyard.workspace.schemas import FallbackRef, FallbacksSet


def _chains(session: Session, workspace_id: str) -> dict[str, list[str]]:
    chains: dict[str, list[str]] = {}
    for link in session.scalars(
        select(FallbackRow)
        .where(FallbackRow.workspace_id == workspace_id)
        .order_by(FallbackRow.position)
    ):
        chains.setdefault(link.model_id, []).append(link.fallback_model_id)
    return chains


def _reaches(chains: dict[str, list[str]], start: str, target: str) -> bool:
    seen: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current == target:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(chains.get(current, []))
    return False


def set_fallbacks(
    session: Session, actor: Actor, model_id: str, data: FallbacksSet
) -> list[FallbackRef]:
    """Replace the chain; same kind only, not the model itself, no repeats, no cycles."""
    actor.require_admin()
    model = load_row(session, actor, model_id)
    chains = _chains(session, actor.workspace_id)
    chains[model.id] = []
    targets: list[ModelRow] = []
    for index, fallback_id in enumerate(data.fallbacks):
        param = f"fallbacks[{index}]"
        if fallback_id == model.id:
            raise InvalidInput("A model cannot be its own fallback.", param=param, code="self")
        if fallback_id in data.fallbacks[:index]:
            raise InvalidInput(f"'{fallback_id}' is listed twice.", param=param, code="duplicate")
        target = load_row(session, actor, fallback_id)
        if target.kind != model.kind:
            raise InvalidInput(
                f"Fallback '{target.slug}' is a {target.kind} model; '{model.slug}' is "
                f"{model.kind}. Fallbacks must be of the same kind.",
                param=param,
                code="kind_mismatch",
            )
        if _reaches(chains, target.id, model.id):
            raise InvalidInput(
                f"'{target.slug}' already falls back to '{model.slug}': that would be a cycle.",
                param=param,
                code="cycle",
            )
        targets.append(target)
    session.execute(delete(FallbackRow).where(FallbackRow.model_id == model.id))
    for position, target in enumerate(targets):
        session.add(
            FallbackRow(
                workspace_id=actor.workspace_id,
                model_id=model.id,
                position=position,
                fallback_model_id=target.id,
            )
        )
    audit.record(
        session, actor, "model.fallbacks", "model", model.id, fallbacks=[t.id for t in targets]
    )
    session.commit()
    return [FallbackRef(id=t.id, slug=t.slug, display_name=t.display_name) for t in targets]
