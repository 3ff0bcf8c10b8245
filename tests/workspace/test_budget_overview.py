"""``workspace.budget_overview``: the admins' warning counts a 100% crossing of the current
period only and a failed delivery only; members get none; a person's month spend is their own.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from modelyard.storage.tables import BudgetAlertRow, UsageRow
from modelyard.workspace import budgets
from modelyard.workspace.actor import Actor
from modelyard.workspace.budget_overview import budget_warnings, my_month_spend
from modelyard.workspace.budget_schemas import BudgetCreate
from tests.support import Workspace

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def _owner(ws: Workspace) -> Actor:
    return Actor(ws.owner_id, ws.id, "owner", "owner@example.com")


def _budget(ws: Workspace, period: str = "month") -> str:
    data = BudgetCreate(scope="workspace", amount_usd=Decimal(5), period=period)
    with ws.server.services.session() as session:
        return budgets.create_budget(session, _owner(ws), [], data, now=NOW).id


def _alert(ws: Workspace, budget_id: str, start: datetime, threshold: str, **fields: Any) -> None:
    with ws.server.services.session() as session:
        session.add(
            BudgetAlertRow(
                id=f"bal_{secrets.token_hex(6)}",
                workspace_id=ws.id,
                budget_id=budget_id,
                period_start=start,
                threshold=Decimal(threshold),
                spent_usd=Decimal(5),
                **fields,
            )
        )
        session.commit()


def test_only_current_full_crossings_and_failed_deliveries_warn(ws: Workspace) -> None:
    may = datetime(2026, 5, 1, tzinfo=UTC)
    april = datetime(2026, 4, 1, tzinfo=UTC)
    current, old, partial = _budget(ws), _budget(ws), _budget(ws)
    _alert(ws, old, april, "1")  # used up last month: this month is fresh
    _alert(ws, partial, may, "0.8", next_attempt_at=NOW)  # pending, never tried: no alarm yet
    _alert(ws, current, may, "1.00", delivered_at=NOW, attempts=1)  # stored as "1.00"
    with ws.server.services.session() as session:
        found = budget_warnings(session, _owner(ws), now=NOW)
        assert found.over_budget_ids == (current,) and found.undelivered == 0
        member = Actor("usr_x", ws.id, "member", "m@example.com")
        assert not budget_warnings(session, member, now=NOW)
    _alert(ws, partial, may, "0.9", attempts=2, next_attempt_at=NOW + timedelta(minutes=5))
    _alert(ws, old, april, "0.8", attempts=5, last_error="HTTP 500")  # given up
    with ws.server.services.session() as session:
        found = budget_warnings(session, _owner(ws), now=NOW)
    assert found.over_budget_ids == (current,) and found.undelivered == 2


def _record(ws: Workspace, user_id: str, cost: str, at: datetime) -> None:
    with ws.server.services.session() as session:
        session.add(
            UsageRow(
                id=f"use_{secrets.token_hex(8)}",
                workspace_id=ws.id,
                user_id=user_id,
                endpoint="chat",
                fallback_path=[],
                status=200,
                cost_usd=Decimal(cost),
                started_at=at,
            )
        )
        session.commit()


def test_month_spend_is_my_own_since_the_first_of_the_month(ws: Workspace) -> None:
    me, _ = ws.add_user()
    someone, _ = ws.add_user()
    _record(ws, me, "0.1", datetime(2026, 5, 1, tzinfo=UTC))
    _record(ws, me, "0.2", NOW)
    _record(ws, me, "7", datetime(2026, 4, 30, 23, 59, tzinfo=UTC))  # last month
    _record(ws, someone, "3", NOW)
    with ws.server.services.session() as session:
        actor = Actor(me, ws.id, "member", "me@example.com")
        assert my_month_spend(session, actor, now=NOW) == Decimal("0.3")
