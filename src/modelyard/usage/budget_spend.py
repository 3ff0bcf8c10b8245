"""What a budget's scope has spent since a time, summed exactly from the usage records.

The source of truth for budgets: the API shows it, and the gateway's ledger is seeded and
reconciled from it (never called on the hot path). Costs are stored as exact decimal text, so
the sum is taken in Python over (cost, count) groups, as ``usage.reports`` does: the database
does the counting and no float ever touches the money. Every record counts, failed calls
(cost 0) and ``unknown_outcome`` ones (their estimated cost) alike. A group's spend is that of
its members of today: the records do not keep the groups a user was in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from modelyard.storage.tables import GroupMemberRow, UsageRow
from modelyard.usage.reports import EXACT

__all__ = ["ScopedBudget", "spent_by_budget", "spent_since"]

SCOPES = ("workspace", "group", "user", "api_key")


class ScopedBudget(Protocol):
    """Anything naming a budget and its scope (``BudgetRow``, the snapshot's ``BudgetConfig``)."""

    @property
    def id(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def scope_id(self) -> str | None: ...


def _scope_filter(scope: str, scope_id: str | None) -> ColumnElement[bool] | None:
    if scope == "workspace":
        return None
    if scope_id is None:
        raise ValueError(f"a {scope} budget needs a scope_id")
    if scope == "user":
        return UsageRow.user_id == scope_id
    if scope == "api_key":
        return UsageRow.api_key_id == scope_id
    if scope == "group":
        members = select(GroupMemberRow.user_id).where(GroupMemberRow.group_id == scope_id)
        return UsageRow.user_id.in_(members)
    raise ValueError(f"unknown budget scope {scope!r}")


def spent_since(
    session: Session, workspace_id: str, scope: str, scope_id: str | None, start: datetime
) -> Decimal:
    """The exact cost of the scope's calls that started at or after ``start``."""
    statement = select(UsageRow.cost_usd, func.count()).where(
        UsageRow.workspace_id == workspace_id, UsageRow.started_at >= start
    )
    condition = _scope_filter(scope, scope_id)
    if condition is not None:
        statement = statement.where(condition)
    with localcontext(EXACT):
        return sum(
            (
                cost * count
                for cost, count in session.execute(statement.group_by(UsageRow.cost_usd))
            ),
            Decimal(0),
        )


def spent_by_budget(
    session: Session,
    workspace_id: str,
    budgets_with_starts: Iterable[tuple[ScopedBudget, datetime]],
) -> dict[str, Decimal]:
    """Each budget's spend since its own start, batched: one query per distinct start (budgets
    share few: one per period and time zone) plus one for the groups' members, whatever the
    number of budgets."""
    pairs = list(budgets_with_starts)
    for budget, _ in pairs:
        _scope_filter(budget.scope, budget.scope_id)  # refuse a malformed one before any query
    members = _members(session, [b.scope_id for b, _ in pairs if b.scope == "group"])
    out: dict[str, Decimal] = {}
    by_start: dict[datetime, list[ScopedBudget]] = {}
    for budget, start in pairs:
        by_start.setdefault(start, []).append(budget)
    with localcontext(EXACT):
        for start, budgets in by_start.items():
            rows = _spend_rows(session, workspace_id, start)
            for budget in budgets:
                out[budget.id] = sum(
                    (
                        cost * count
                        for user, key, cost, count in rows
                        if _matches(budget, user, key, members)
                    ),
                    Decimal(0),
                )
    return out


def _spend_rows(session: Session, workspace_id: str, start: datetime) -> Sequence[Any]:
    return session.execute(
        select(UsageRow.user_id, UsageRow.api_key_id, UsageRow.cost_usd, func.count())
        .where(UsageRow.workspace_id == workspace_id, UsageRow.started_at >= start)
        .group_by(UsageRow.user_id, UsageRow.api_key_id, UsageRow.cost_usd)
    ).all()


def _members(session: Session, group_ids: Sequence[str | None]) -> dict[str, set[str]]:
    wanted = sorted({g for g in group_ids if g is not None})
    members: dict[str, set[str]] = {g: set() for g in wanted}
    if wanted:
        for group_id, user_id in session.execute(
            select(GroupMemberRow.group_id, GroupMemberRow.user_id).where(
                GroupMemberRow.group_id.in_(wanted)
            )
        ):
            members[group_id].add(user_id)
    return members


def _matches(
    budget: ScopedBudget, user_id: str, api_key_id: str | None, members: dict[str, set[str]]
) -> bool:
    if budget.scope == "workspace":
        return True
    if budget.scope == "user":
        return user_id == budget.scope_id
    if budget.scope == "api_key":
        return api_key_id is not None and api_key_id == budget.scope_id
    return budget.scope_id is not None and user_id in members.get(budget.scope_id, set())
