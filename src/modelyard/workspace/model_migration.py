"""The one reviewed move of everything that depends on a retired model to its successor.

The assistants built on the model, the users' personal defaults, the other models' fallback
chains and the budgets' fallback model switch to a target (by default the workspace's model of
the suggested successor). The move is planned first (every change listed, with whatever blocks
it, checked by the same rules as each change made alone), then confirmed with the plan's id; it
is all or nothing, and audited. The retired model itself is left as it is: it keeps working.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict, InvalidInput, ModelyardError, NotFound
from modelyard.storage.tables import AssistantRow, BudgetRow, FallbackRow, ModelRow, UserRow
from modelyard.workspace import audit, model_access
from modelyard.workspace.actor import Actor
from modelyard.workspace.assistants import _model_for as assistant_model_check
from modelyard.workspace.lifecycle_schemas import MigrationPlan, ModelBrief, PlannedChange
from modelyard.workspace.model_dependents import Dependent, dependents_of
from modelyard.workspace.model_lifecycle import CatalogLifecycle, brief, workspace_models
from modelyard.workspace.models import load_row
from modelyard.workspace.users import check_default_candidate

__all__ = ["migrate", "move_targets", "plan_migration"]


def move_targets(session: Session, actor: Actor, model_id: str) -> list[ModelBrief]:
    """The models the move may go to: of the same kind, neither the model nor retired."""
    actor.require_admin()
    row = load_row(session, actor, model_id)
    lifecycle = CatalogLifecycle(session)
    return [
        brief(m)
        for m in workspace_models(session, actor.workspace_id)
        if m.id != row.id and m.kind == row.kind and lifecycle.status(m) is None
    ]


def plan_migration(
    session: Session, actor: Actor, model_id: str, target_model_id: str | None = None
) -> MigrationPlan:
    """Every change moving the model's dependents to the target makes, without making it."""
    actor.require_admin()
    row = load_row(session, actor, model_id)
    lifecycle = CatalogLifecycle(session)
    target = _target(session, actor, row, target_model_id, lifecycle)
    dependents = dependents_of(session, actor, row.id)
    changes = (
        _assistant_changes(session, actor, dependents.assistants, target)
        + _default_changes(session, dependents.default_of_users, target)
        + _fallback_changes(session, row, dependents.fallback_of, target)
        + [PlannedChange(kind="budget_fallback", id=d.id, name=d.name) for d in dependents.budgets]
        + [
            PlannedChange(
                kind="knowledge_collection",
                id=d.id,
                name=d.name,
                action="keep",
                note="Not moved: its documents would need embedding anew; give it another "
                "embedding model on its knowledge page.",
            )
            for d in dependents.knowledge_collections
        ]
    )
    return MigrationPlan(
        model=brief(row), target=brief(target), changes=changes, plan_id=_plan_id(target, changes)
    )


def migrate(
    session: Session,
    actor: Actor,
    model_id: str,
    target_model_id: str | None = None,
    plan_id: str | None = None,
) -> MigrationPlan:
    """Make the planned changes in one transaction, audited; 409 when the plan (if given)
    no longer matches or a change is blocked. Nothing is written unless all of it is."""
    plan = plan_migration(session, actor, model_id, target_model_id)
    if plan_id is not None and plan_id != plan.plan_id:
        raise Conflict(
            "What depends on this model changed since the move was reviewed; review it again.",
            param="plan_id",
            code="plan_changed",
        )
    if plan.blocked:
        names = "; ".join(f"{c.name}: {c.blocked}" for c in plan.blocked)
        raise Conflict(f"The move is blocked: {names}", code="migration_blocked")
    old, new = plan.model.id, plan.target.id
    chains: dict[str, bool] = {}
    for change in plan.changes:
        if change.kind == "assistant":
            assistant = session.get(AssistantRow, change.id)
            assert assistant is not None
            assistant.model_id = new
        elif change.kind == "user_default":
            user = session.get(UserRow, change.id)
            assert user is not None
            user.default_model_id = new
        elif change.kind == "budget_fallback":
            budget = session.get(BudgetRow, change.id)
            assert budget is not None
            budget.fallback_model_id = new
        elif change.kind == "fallback":
            chains[change.id] = True
    for owner in chains:
        _rewrite_chain(session, actor.workspace_id, owner, old, new)
    for change in plan.changes:
        if change.action == "keep":
            continue
        audit.record(
            session,
            actor,
            "model.migrate",
            _AUDIT_TARGET[change.kind],
            change.id,
            fields=[_AUDIT_FIELD[change.kind]],
            change=change.action,
            from_model_id=old,
            to_model_id=new,
        )
    audit.record(
        session,
        actor,
        "model.migrate",
        "model",
        old,
        to_model_id=new,
        plan_id=plan.plan_id,
        changes=sum(1 for c in plan.changes if c.action != "keep"),
    )
    session.commit()
    return plan.model_copy(update={"applied": True})


_AUDIT_TARGET = {
    "assistant": "assistant",
    "user_default": "user",
    "fallback": "model",
    "budget_fallback": "budget",
}
_AUDIT_FIELD = {
    "assistant": "model_id",
    "user_default": "default_model_id",
    "fallback": "fallbacks",
    "budget_fallback": "fallback_model_id",
}


def _target(
    session: Session,
    actor: Actor,
    row: ModelRow,
    target_model_id: str | None,
    lifecycle: CatalogLifecycle,
) -> ModelRow:
    if target_model_id is None:
        suggestion = lifecycle.successor(row) if row.catalog_id else None
        if suggestion is None:
            raise InvalidInput(
                f"No successor is known for '{row.slug}'; name the model to move to.",
                param="target_model_id",
                code="required",
            )
        entry = suggestion.entry
        using = lifecycle.models_of(entry.id, workspace_models(session, actor.workspace_id))
        if not using:
            raise InvalidInput(
                f"The suggested successor '{entry.id}' is not set up in this workspace yet: add "
                "it from the catalog (with a deployment), or name another model to move to.",
                param="target_model_id",
                code="successor_not_set_up",
            )
        return using[0]
    try:
        target = load_row(session, actor, target_model_id)
    except NotFound as exc:
        raise InvalidInput(exc.message, param="target_model_id", code="unknown_model") from exc
    if target.id == row.id:
        raise InvalidInput(
            "A model cannot be moved to itself.", param="target_model_id", code="self"
        )
    if target.kind != row.kind:
        raise InvalidInput(
            f"'{target.slug}' is a {target.kind} model; '{row.slug}' is {row.kind}. "
            "The target must be of the same kind.",
            param="target_model_id",
            code="kind_mismatch",
        )
    if lifecycle.status(target) is not None:
        raise InvalidInput(
            f"'{target.slug}' is itself set up from a {lifecycle.status(target)} catalog entry.",
            param="target_model_id",
            code="target_retired",
        )
    return target


def _assistant_changes(
    session: Session, actor: Actor, assistants: Sequence[Dependent], target: ModelRow
) -> list[PlannedChange]:
    """Each assistant, blocked where its tools or the target refuse it (the assistant rule)."""
    out = []
    for dependent in assistants:
        assistant = session.get(AssistantRow, dependent.id)
        assert assistant is not None
        blocked = None
        try:
            assistant_model_check(session, actor, target.id, assistant.tools or [])
        except ModelyardError as exc:
            blocked = exc.message
        out.append(
            PlannedChange(kind="assistant", id=dependent.id, name=dependent.name, blocked=blocked)
        )
    return out


def _default_changes(
    session: Session, users: Sequence[Dependent], target: ModelRow
) -> list[PlannedChange]:
    """Each user's default, blocked where the target could not be their default (the rule of
    choosing a default: visible, not premium, not in maintenance, usable by them)."""
    if not users:
        return []
    not_candidate = None
    try:
        check_default_candidate(target)
    except InvalidInput as exc:
        not_candidate = exc.message
    out = []
    for dependent in users:
        user = session.get(UserRow, dependent.id)
        assert user is not None
        blocked = not_candidate
        if blocked is None and not model_access.may_use(session, user.id, user.role, target):
            blocked = f"{user.email} may not use '{target.slug}' (model access by group)."
        out.append(
            PlannedChange(
                kind="user_default", id=dependent.id, name=dependent.name, blocked=blocked
            )
        )
    return out


def _chains(session: Session, workspace_id: str) -> dict[str, list[str]]:
    chains: dict[str, list[str]] = {}
    for link in session.scalars(
        select(FallbackRow)
        .where(FallbackRow.workspace_id == workspace_id)
        .order_by(FallbackRow.model_id, FallbackRow.position)
    ):
        chains.setdefault(link.model_id, []).append(link.fallback_model_id)
    return chains


def _moved_chain(chain: list[str], owner: str, old: str, new: str) -> list[str]:
    """The chain with ``old`` replaced by ``new``, except where ``new`` is the owner itself or
    already in the chain: there the link to ``old`` goes."""
    out: list[str] = []
    for model_id in chain:
        if model_id == old:
            if new != owner and new not in chain and new not in out:
                out.append(new)
        elif model_id not in out:
            out.append(model_id)
    return out


def _reaches(chains: dict[str, list[str]], start: str, goal: str) -> bool:
    seen: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(chains.get(current, []))
    return False


def _fallback_changes(
    session: Session, row: ModelRow, owners: Sequence[Dependent], target: ModelRow
) -> list[PlannedChange]:
    """Each chain falling back to the model: the link moves to the target, or goes where the
    chain already has the target (or is the target's own); blocked where it would be a cycle."""
    chains = _chains(session, row.workspace_id)
    moved = {
        owner: _moved_chain(chain, owner, row.id, target.id) for owner, chain in chains.items()
    }
    out = []
    for owner in owners:
        chain = chains.get(owner.id, [])
        action = "drop" if target.id == owner.id or target.id in chain else "repoint"
        blocked = None
        if action == "repoint" and _reaches(moved, target.id, owner.id):
            blocked = (
                f"'{target.slug}' already falls back to '{owner.name}': that would be a cycle."
            )
        out.append(
            PlannedChange(
                kind="fallback", id=owner.id, name=owner.name, action=action, blocked=blocked
            )
        )
    return out


def _rewrite_chain(session: Session, workspace_id: str, owner: str, old: str, new: str) -> None:
    chain = _chains(session, workspace_id).get(owner, [])
    moved = _moved_chain(chain, owner, old, new)
    session.execute(delete(FallbackRow).where(FallbackRow.model_id == owner))
    for position, fallback_id in enumerate(moved):
        session.add(
            FallbackRow(
                workspace_id=workspace_id,
                model_id=owner,
                position=position,
                fallback_model_id=fallback_id,
            )
        )


def _plan_id(target: ModelRow, changes: Sequence[PlannedChange]) -> str:
    text = "|".join(
        [target.id, *(f"{c.kind}:{c.id}:{c.action}:{c.blocked or ''}" for c in changes)]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]
