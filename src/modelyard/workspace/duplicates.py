"""Same name asks first: a second model of the same provider model name, or a model key of the
same name, is refused with a 409 naming the existing ones until the caller confirms it.

Two identical entries confuse members (which ``gpt-4o`` is the right one?) and two keys of one
name confuse admins, yet both can be meant (an EU and a US deployment of one model). So the
rule does not forbid them; it makes them deliberate. The wizard asks with a checkbox; the admin
API asks only when the caller opts in (``?duplicates=ask``), so existing callers keep working.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict
from modelyard.storage.tables import ModelKeyRow, ModelRow
from modelyard.workspace.actor import Actor

MODEL_PARAM = "confirm_duplicate"
KEY_PARAM = "confirm_duplicate_key"


def same_models(
    session: Session, actor: Actor, kind: str, provider_model_name: str | None
) -> list[ModelRow]:
    """The workspace's models of ``kind`` with this provider model name (any case)."""
    name = (provider_model_name or "").strip().lower()
    if not name:
        return []
    query = select(ModelRow).where(
        ModelRow.workspace_id == actor.workspace_id,
        ModelRow.kind == kind,
        func.lower(ModelRow.provider_model_name) == name,
    )
    return list(session.scalars(query.order_by(ModelRow.created_at)))


def same_keys(session: Session, actor: Actor, name: str | None) -> list[ModelKeyRow]:
    """The workspace's model keys of this name (any case, surrounding spaces ignored)."""
    wanted = (name or "").strip().lower()
    if not wanted:
        return []
    query = select(ModelKeyRow).where(
        ModelKeyRow.workspace_id == actor.workspace_id,
        func.lower(func.trim(ModelKeyRow.name)) == wanted,
    )
    return list(session.scalars(query.order_by(ModelKeyRow.created_at)))


def check_model(session: Session, actor: Actor, row: ModelRow, confirmed: bool) -> None:
    """409 ``duplicate_model`` when the workspace already has a model like ``row`` and the
    caller did not confirm a second one."""
    if confirmed:
        return
    found = [m for m in same_models(session, actor, row.kind, row.provider_model_name)]
    found = [m for m in found if m.id != row.id]
    if found:
        names = ", ".join(f"'{m.display_name}' ({m.slug})" for m in found)
        raise Conflict(
            f"This workspace already has a {row.kind} model of '{row.provider_model_name}': "
            f"{names}. Confirm to add another one.",
            param=MODEL_PARAM,
            code="duplicate_model",
        )


def check_key(session: Session, actor: Actor, name: str, confirmed: bool) -> None:
    """409 ``duplicate_key_name`` when a model key of this name exists and the caller did not
    confirm a second one."""
    if confirmed or not same_keys(session, actor, name):
        return
    raise Conflict(
        f"A model key named '{name.strip()}' already exists. Choose another name, or confirm "
        "to add a second key of this name.",
        param=KEY_PARAM,
        code="duplicate_key_name",
    )
