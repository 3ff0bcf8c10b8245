"""The live tests admins ran (``usage_records.is_test``): what they cost and which calls they
made, so Usage shows test spending apart from members' calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from modelyard.storage.tables import ModelRow, UsageRow, UserRow
from modelyard.usage.reports import EXACT

RECENT = 20


@dataclass(frozen=True, slots=True)
class LiveTestCall:
    """One upstream call of a live test."""

    started_at: datetime
    model: str  # the model's slug now, else the slug it had (an unsaved wizard model)
    deployment_id: str | None
    admin: str | None  # the email of who ran it
    endpoint: str
    status: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class LiveTestSpending:
    calls: int
    cost_usd: Decimal
    recent: list[LiveTestCall]


def _in_period(workspace_id: str, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [
        UsageRow.workspace_id == workspace_id,
        UsageRow.is_test.is_(True),
        UsageRow.started_at >= start,
        UsageRow.started_at < end,
    ]


def live_test_spending(
    session: Session, workspace_id: str, start: datetime, end: datetime, recent: int = RECENT
) -> LiveTestSpending:
    """Live-test calls in ``[start, end)``: how many, their exact cost, the newest ``recent``."""
    where = _in_period(workspace_id, start, end)
    costs = session.execute(
        select(UsageRow.cost_usd, func.count()).where(*where).group_by(UsageRow.cost_usd)
    ).all()
    with localcontext(EXACT):
        total = sum((cost * count for cost, count in costs), Decimal(0))
    rows = session.execute(
        select(UsageRow, func.coalesce(ModelRow.slug, UsageRow.model_slug), UserRow.email)
        .outerjoin(ModelRow, ModelRow.id == UsageRow.model_id)
        .outerjoin(UserRow, UserRow.id == UsageRow.user_id)
        .where(*where)
        .order_by(UsageRow.started_at.desc(), UsageRow.id.desc())
        .limit(recent)
    ).all()
    calls = [
        LiveTestCall(
            row.started_at,
            slug or "",
            row.deployment_id,
            email,
            row.endpoint,
            row.status,
            row.cost_usd,
        )
        for row, slug, email in rows
    ]
    return LiveTestSpending(sum(count for _, count in costs), total, calls)
