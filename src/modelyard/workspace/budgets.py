"""Budgets: spend limits in USD on the workspace, a group, a user or an API key.

Admins and owners write them; everyone may read the ones that apply to them
(:func:`my_budgets`). Every write is audited, and the audit row bumps the workspace's
``config_version``, so each gateway process reloads its budgets on its next call. A write is
checked as a whole, after merging a PATCH into the stored budget, so no combination of fields
gets in that a create would refuse. Spend shown here is the recorded spend of the current
period (``usage.budget_spend``); the gateway's ledger also counts calls still in flight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from modelyard.errors import InvalidInput, NotFound
from modelyard.security import AllowedHosts, check_base_url
from modelyard.storage.deletion import delete_row
from modelyard.storage.tables import (
    ApiKeyRow,
    BudgetAlertRow,
    BudgetRow,
    GroupMemberRow,
    GroupRow,
    ModelRow,
    UserRow,
)
from modelyard.usage.budget_periods import period_bounds
from modelyard.usage.budget_spend import spent_by_budget
from modelyard.workspace import audit
from modelyard.workspace.actor import Actor
from modelyard.workspace.budget_schemas import (
    BudgetCreate,
    BudgetDeleted,
    BudgetOut,
    BudgetUpdate,
    BudgetView,
    money_text,
)
from modelyard.workspace.ids import new_id

Allowed = Sequence[str] | AllowedHosts
_NULLABLE = frozenset({"scope_id", "fallback_model_id", "webhook_url"})
_FIELDS = (
    "scope",
    "scope_id",
    "amount_usd",
    "period",
    "timezone",
    "on_exceed",
    "fallback_model_id",
    "notify_at",
    "webhook_url",
)


def load_budget(session: Session, actor: Actor, budget_id: str) -> BudgetRow:
    """The workspace's budget, or 404: another workspace's id is as unknown as a made-up one."""
    row = session.get(BudgetRow, budget_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(f"No budget with id '{budget_id}' in this workspace.", param="budget_id")
    return row


def budgets_with_fallback(session: Session, model_id: str) -> list[str]:
    """Ids of the budgets that fall back to the model (deleting it is refused while any do)."""
    return sorted(
        session.scalars(select(BudgetRow.id).where(BudgetRow.fallback_model_id == model_id))
    )


def create_budget(
    session: Session,
    actor: Actor,
    allowed: Allowed,
    data: BudgetCreate,
    now: datetime | None = None,
) -> BudgetOut:
    actor.require_admin()
    values = data.model_dump()
    _check(session, actor, allowed, values)
    row = BudgetRow(id=new_id("bud"), workspace_id=actor.workspace_id)
    _apply(row, values)
    session.add(row)
    audit.record(
        session, actor, "budget.create", "budget", row.id, scope=row.scope, scope_id=row.scope_id
    )
    session.commit()
    return _outs(session, [row], now)[0]


def list_budgets(session: Session, actor: Actor, now: datetime | None = None) -> list[BudgetOut]:
    actor.require_admin()
    rows = session.scalars(
        select(BudgetRow)
        .where(BudgetRow.workspace_id == actor.workspace_id)
        .order_by(BudgetRow.created_at, BudgetRow.id)
    )
    return _outs(session, list(rows), now)


def get_budget(
    session: Session, actor: Actor, budget_id: str, now: datetime | None = None
) -> BudgetOut:
    actor.require_admin()
    return _outs(session, [load_budget(session, actor, budget_id)], now)[0]


def update_budget(
    session: Session,
    actor: Actor,
    allowed: Allowed,
    budget_id: str,
    data: BudgetUpdate,
    now: datetime | None = None,
) -> BudgetOut:
    actor.require_admin()
    row = load_budget(session, actor, budget_id)
    sent = data.model_fields_set
    for field in sent - _NULLABLE:
        if getattr(data, field) is None:
            raise InvalidInput(f"'{field}' cannot be null.", param=field, code="null_not_allowed")
    values = {field: getattr(row, field) for field in _FIELDS}
    values["notify_at"] = [Decimal(t) for t in row.notify_at]
    values.update({field: getattr(data, field) for field in sent})
    if values["on_exceed"] == "block" and "fallback_model_id" not in sent:
        values["fallback_model_id"] = None  # blocking has no use for a fallback model
    if values["scope"] == "workspace" and "scope_id" not in sent:
        values["scope_id"] = None
    _check(session, actor, allowed, values, old_webhook=row.webhook_url)
    _apply(row, values)
    audit.record(session, actor, "budget.update", "budget", row.id, fields=sorted(sent))
    session.commit()
    return _outs(session, [row], now)[0]


def delete_budget(session: Session, actor: Actor, budget_id: str) -> BudgetDeleted:
    """Delete the budget and its recorded alerts (undelivered ones are not sent any more)."""
    actor.require_admin()
    row = load_budget(session, actor, budget_id)
    session.execute(delete(BudgetAlertRow).where(BudgetAlertRow.budget_id == row.id))
    delete_row(
        session,
        row,
        NotFound(f"No budget with id '{budget_id}' in this workspace.", param="budget_id"),
    )
    audit.record(
        session, actor, "budget.delete", "budget", row.id, scope=row.scope, scope_id=row.scope_id
    )
    session.commit()
    return BudgetDeleted(id=row.id)


def delete_for_scope(
    session: Session, workspace_id: str, scope: str, scope_ids: list[str]
) -> list[str]:
    """Delete the budgets (and their alerts) of groups, users or API keys that are going away,
    in the caller's transaction, without permission checks (the caller made them); their ids.
    A budget whose group no longer exists would only clutter the list and the ledger."""
    if not scope_ids:
        return []
    ids = list(
        session.scalars(
            select(BudgetRow.id).where(
                BudgetRow.workspace_id == workspace_id,
                BudgetRow.scope == scope,
                BudgetRow.scope_id.in_(scope_ids),
            )
        )
    )
    if ids:
        session.execute(delete(BudgetAlertRow).where(BudgetAlertRow.budget_id.in_(ids)))
        session.execute(delete(BudgetRow).where(BudgetRow.id.in_(ids)))
    return ids


def my_budgets(session: Session, actor: Actor, now: datetime | None = None) -> list[BudgetView]:
    """The budgets that apply to the caller's calls: the workspace's, their own, their groups'
    and their live API keys' (any role: admins are held to budgets too)."""
    groups = select(GroupMemberRow.group_id).where(GroupMemberRow.user_id == actor.user_id)
    keys = select(ApiKeyRow.id).where(
        ApiKeyRow.user_id == actor.user_id, ApiKeyRow.revoked_at.is_(None)
    )
    rows = session.scalars(
        select(BudgetRow)
        .where(
            BudgetRow.workspace_id == actor.workspace_id,
            or_(
                BudgetRow.scope == "workspace",
                (BudgetRow.scope == "user") & (BudgetRow.scope_id == actor.user_id),
                (BudgetRow.scope == "group") & BudgetRow.scope_id.in_(groups),
                (BudgetRow.scope == "api_key") & BudgetRow.scope_id.in_(keys),
            ),
        )
        .order_by(BudgetRow.created_at, BudgetRow.id)
    )
    return [
        BudgetView.model_validate(out.model_dump(include=set(BudgetView.model_fields)))
        for out in _outs(session, list(rows), now)
    ]


# --- rules --------------------------------------------------------------------------------


def _check(
    session: Session,
    actor: Actor,
    allowed: Allowed,
    values: dict[str, Any],
    old_webhook: str | None = None,
) -> None:
    """The rules across fields and rows, on the whole budget as it would be stored."""
    scope, scope_id = values["scope"], values["scope_id"]
    if scope == "workspace":
        if scope_id is not None:
            raise InvalidInput(
                "'scope_id' must be null for a workspace budget.", param="scope_id", code="invalid"
            )
    elif scope_id is None:
        raise InvalidInput(
            f"'scope_id' is required for a {scope} budget (the {scope.replace('_', ' ')}'s id).",
            param="scope_id",
            code="required",
        )
    elif _scope_name(session, actor.workspace_id, scope, scope_id) is None:
        raise InvalidInput(
            f"No {scope.replace('_', ' ')} with id '{scope_id}' in this workspace.",
            param="scope_id",
            code="unknown_scope",
        )
    fallback = values["fallback_model_id"]
    if values["on_exceed"] == "fallback":
        if fallback is None:
            raise InvalidInput(
                "'fallback_model_id' is required when on_exceed is 'fallback'.",
                param="fallback_model_id",
                code="required",
            )
        model = session.get(ModelRow, fallback)
        if model is None or model.workspace_id != actor.workspace_id:
            raise InvalidInput(
                f"No model with id '{fallback}' in this workspace.",
                param="fallback_model_id",
                code="unknown_model",
            )
        if model.kind != "completion":
            raise InvalidInput(
                f"The fallback model must be a completion model; '{model.slug}' is {model.kind}.",
                param="fallback_model_id",
                code="wrong_kind",
            )
    elif fallback is not None:
        raise InvalidInput(
            "'fallback_model_id' is only for on_exceed 'fallback'.",
            param="fallback_model_id",
            code="invalid",
        )
    url = values["webhook_url"]
    if url is not None and url != old_webhook:
        check_base_url(url, allowed, param="webhook_url")


def _apply(row: BudgetRow, values: dict[str, Any]) -> None:
    for field in _FIELDS:
        setattr(row, field, values[field])
    row.notify_at = [money_text(t) for t in values["notify_at"]]


# --- rendering ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scoped:
    id: str
    scope: str
    scope_id: str | None


def _outs(session: Session, rows: Sequence[BudgetRow], now: datetime | None) -> list[BudgetOut]:
    """Render budgets with their current period and spend: a few queries, whatever the count."""
    moment = now or datetime.now(UTC)
    bounds = {row.id: period_bounds(row.period, row.timezone, moment) for row in rows}
    spent = spent_by_budget(
        session,
        rows[0].workspace_id if rows else "",
        [(_Scoped(r.id, r.scope, r.scope_id), bounds[r.id][0]) for r in rows],
    )
    names = _scope_names(session, rows)
    return [
        BudgetOut(
            id=row.id,
            scope=row.scope,
            scope_id=row.scope_id,
            scope_name=names.get((row.scope, row.scope_id)),
            amount_usd=row.amount_usd,
            period=row.period,
            timezone=row.timezone,
            on_exceed=row.on_exceed,
            fallback_model_id=row.fallback_model_id,
            spent_usd=spent[row.id],
            remaining_usd=row.amount_usd - spent[row.id],
            period_start=bounds[row.id][0],
            resets_at=bounds[row.id][1],
            notify_at=[Decimal(t) for t in row.notify_at],
            webhook_url=row.webhook_url,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def _scope_name(session: Session, workspace_id: str, scope: str, scope_id: str) -> str | None:
    """The group's name, the user's email or the key's name; None when it is not in the
    workspace (or the scope is the workspace)."""
    if scope == "group":
        statement = select(GroupRow.name).where(GroupRow.workspace_id == workspace_id)
        return session.scalar(statement.where(GroupRow.id == scope_id))
    if scope == "user":
        statement = select(UserRow.email).where(UserRow.workspace_id == workspace_id)
        return session.scalar(statement.where(UserRow.id == scope_id))
    if scope == "api_key":
        key = session.get(ApiKeyRow, scope_id)
        if key is None or key.workspace_id != workspace_id:
            return None
        return key.name or key.prefix
    return None


def _scope_names(session: Session, rows: Sequence[BudgetRow]) -> dict[tuple[str, str | None], str]:
    wanted: dict[str, set[str]] = {"group": set(), "user": set(), "api_key": set()}
    for row in rows:
        if row.scope in wanted and row.scope_id is not None:
            wanted[row.scope].add(row.scope_id)
    names: dict[tuple[str, str | None], str] = {}
    if wanted["group"]:
        for id_, name in session.execute(
            select(GroupRow.id, GroupRow.name).where(GroupRow.id.in_(wanted["group"]))
        ):
            names[("group", id_)] = name
    if wanted["user"]:
        for id_, email in session.execute(
            select(UserRow.id, UserRow.email).where(UserRow.id.in_(wanted["user"]))
        ):
            names[("user", id_)] = email
    if wanted["api_key"]:
        for id_, name, prefix in session.execute(
            select(ApiKeyRow.id, ApiKeyRow.name, ApiKeyRow.prefix).where(
                ApiKeyRow.id.in_(wanted["api_key"])
            )
        ):
            names[("api_key", id_)] = name or prefix
    return names
