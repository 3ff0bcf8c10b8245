"""What the web UI shows around budgets beyond the budgets themselves: the admins' warning
(a budget over its amount, an alert whose webhook failed) and a person's own spend this month.

The warning costs one query on admin pages: it reads the recorded alerts, not the usage. A
budget counts as over 100% when its 100% threshold was crossed in its current period, so one
without a 1.0 in ``notify_at`` never raises it (the budgets page still shows its spend).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from modelyard.storage.tables import BudgetAlertRow, BudgetRow, ModelRow
from modelyard.usage.budget_periods import period_bounds
from modelyard.usage.budget_spend import spent_since
from modelyard.workspace.actor import Actor

# How 1.0 may be stored (notify_at keeps what was sent, up to four decimal places).
_FULL = ("1", "1.0", "1.00", "1.000", "1.0000")
_RECENT = 200


@dataclass(frozen=True, slots=True)
class BudgetWarnings:
    over_budget_ids: tuple[str, ...]
    undelivered: int

    def __bool__(self) -> bool:
        return bool(self.over_budget_ids or self.undelivered)


def budget_warnings(session: Session, actor: Actor, now: datetime | None = None) -> BudgetWarnings:
    """Budgets past 100% in their current period and alerts whose delivery failed (tried and
    not delivered), from the newest recorded alerts; empty for members."""
    if not actor.is_admin:
        return BudgetWarnings((), 0)
    moment = now or datetime.now(UTC)
    rows = session.execute(
        select(
            BudgetAlertRow.budget_id,
            BudgetAlertRow.period_start,
            BudgetAlertRow.threshold,
            BudgetAlertRow.delivered_at,
            BudgetAlertRow.attempts,
            BudgetRow.period,
            BudgetRow.timezone,
        )
        .join(BudgetRow, BudgetRow.id == BudgetAlertRow.budget_id)
        .where(
            BudgetAlertRow.workspace_id == actor.workspace_id,
            or_(
                BudgetAlertRow.threshold.in_(_FULL),
                (BudgetAlertRow.delivered_at.is_(None)) & (BudgetAlertRow.attempts > 0),
            ),
        )
        .order_by(BudgetAlertRow.created_at.desc())
        .limit(_RECENT)
    )
    over: set[str] = set()
    undelivered = 0
    for budget_id, start, threshold, delivered_at, attempts, period, timezone in rows:
        if delivered_at is None and attempts > 0:
            undelivered += 1
        if threshold >= Decimal(1) and start == period_bounds(period, timezone, moment)[0]:
            over.add(budget_id)
    return BudgetWarnings(tuple(sorted(over)), undelivered)


def my_month_spend(session: Session, actor: Actor, now: datetime | None = None) -> Decimal:
    """The caller's own recorded spend since the start of this calendar month (UTC)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return spent_since(session, actor.workspace_id, "user", actor.user_id, start)


def fallback_names(
    session: Session, actor: Actor, model_ids: Iterable[str | None]
) -> dict[str, str]:
    """Display names of the workspace's models among ``model_ids``: a member whose budget runs
    out is answered by its fallback model, so they may know which one it is."""
    wanted = {model_id for model_id in model_ids if model_id}
    if not wanted:
        return {}
    rows = session.execute(
        select(ModelRow.id, ModelRow.display_name).where(
            ModelRow.workspace_id == actor.workspace_id, ModelRow.id.in_(wanted)
        )
    )
    return {model_id: name for model_id, name in rows}
