"""``workspace.budgets`` with the clock moved: spend and periods follow the budget's zone."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from modelyard.storage.tables import UsageRow
from modelyard.workspace import budgets
from modelyard.workspace.actor import Actor
from modelyard.workspace.budget_schemas import BudgetCreate
from tests.support import Workspace


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


def _owner(ws: Workspace) -> Actor:
    return Actor(ws.owner_id, ws.id, "owner", "owner@example.com")


def test_a_berlin_day_budget_resets_at_local_midnight_across_the_spring_switch(
    ws: Workspace,
) -> None:
    user, _ = ws.add_user()
    # 29 March 2026 in Berlin is 23 hours long: 28 Mar 23:00 UTC to 29 Mar 22:00 UTC.
    _record(ws, user, "1", datetime(2026, 3, 28, 22, 59, tzinfo=UTC))  # 28 March, local
    _record(ws, user, "2", datetime(2026, 3, 28, 23, 0, tzinfo=UTC))  # 29 March 00:00 local
    _record(ws, user, "4", datetime(2026, 3, 29, 21, 59, tzinfo=UTC))  # 29 March 23:59 local
    _record(ws, user, "8", datetime(2026, 3, 29, 22, 0, tzinfo=UTC))  # 30 March 00:00 local
    owner = _owner(ws)
    with ws.server.services.session() as session:
        made = budgets.create_budget(
            session,
            owner,
            [],
            BudgetCreate(
                scope="user",
                scope_id=user,
                amount_usd=Decimal(10),
                period="day",
                timezone="Europe/Berlin",
            ),
        )
        on_the_29th = budgets.get_budget(
            session, owner, made.id, now=datetime(2026, 3, 29, 12, tzinfo=UTC)
        )
        last_moment = budgets.get_budget(
            session,
            owner,
            made.id,
            now=datetime(2026, 3, 29, 22, tzinfo=UTC) - timedelta(microseconds=1),
        )
        next_day = budgets.get_budget(
            session, owner, made.id, now=datetime(2026, 3, 29, 22, tzinfo=UTC)
        )
    assert on_the_29th.period_start == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert on_the_29th.resets_at == datetime(2026, 3, 29, 22, tzinfo=UTC)
    # Spend counts from the period's start on (a record in the future of the clock is data
    # written by a later call; the period has no upper bound in the query).
    assert on_the_29th.spent_usd == Decimal(14)
    assert last_moment.period_start == on_the_29th.period_start
    assert next_day.period_start == datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert next_day.resets_at == datetime(2026, 3, 30, 22, tzinfo=UTC)
    assert next_day.spent_usd == Decimal(8)
    assert next_day.remaining_usd == Decimal(2)


def test_remaining_shows_an_overspent_period_as_negative(ws: Workspace) -> None:
    user, _ = ws.add_user()
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    _record(ws, user, "0.75", now - timedelta(hours=1))
    _record(ws, user, "0.5", now - timedelta(hours=1))
    owner = _owner(ws)
    with ws.server.services.session() as session:
        made = budgets.create_budget(
            session,
            owner,
            [],
            BudgetCreate(scope="workspace", amount_usd=Decimal(1), period="month"),
            now=now,
        )
    assert made.spent_usd == Decimal("1.25") and made.remaining_usd == Decimal("-0.25")
    assert made.model_dump(mode="json")["remaining_usd"] == "-0.25"


def test_a_total_budget_counts_everything_and_never_resets(ws: Workspace) -> None:
    user, _ = ws.add_user()
    _record(ws, user, "3", datetime(2001, 1, 1, tzinfo=UTC))
    _record(ws, user, "4", datetime(2026, 1, 1, tzinfo=UTC))
    with ws.server.services.session() as session:
        made = budgets.create_budget(
            session,
            _owner(ws),
            [],
            BudgetCreate(scope="workspace", amount_usd=Decimal(100), period="total"),
        )
    assert made.spent_usd == Decimal(7) and made.resets_at is None
