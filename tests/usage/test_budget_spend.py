"""``usage.budget_spend``: exact sums of recorded costs per budget scope, on both backends."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from modelyard.storage.tables import GroupMemberRow, GroupRow, UsageRow
from modelyard.usage.budget_spend import spent_by_budget, spent_since
from tests.support import Workspace, new_workspace

START = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Budget:
    id: str
    scope: str
    scope_id: str | None


def _record(
    ws: Workspace,
    user_id: str,
    cost: str,
    at: datetime,
    api_key_id: str | None = None,
    status: int = 200,
    outcome: str | None = None,
) -> None:
    with ws.server.services.session() as session:
        session.add(
            UsageRow(
                id=f"use_{secrets.token_hex(8)}",
                workspace_id=ws.id,
                user_id=user_id,
                api_key_id=api_key_id,
                endpoint="chat",
                fallback_path=[],
                status=status,
                cost_usd=Decimal(cost),
                started_at=at,
                outcome=outcome,
            )
        )
        session.commit()


def _group(ws: Workspace, *members: str) -> str:
    group_id = f"grp_{secrets.token_hex(6)}"
    with ws.server.services.session() as session:
        session.add(GroupRow(id=group_id, workspace_id=ws.id, name=group_id))
        session.flush()
        session.add_all(GroupMemberRow(group_id=group_id, user_id=m) for m in members)
        session.commit()
    return group_id


def test_sums_are_exact_and_by_scope(ws: Workspace) -> None:
    alice, _ = ws.add_user()
    bob, _ = ws.add_user()
    carol, _ = ws.add_user()
    team = _group(ws, alice, bob)
    at = START + timedelta(hours=1)
    for _ in range(10):
        _record(ws, alice, "0.1", at, api_key_id="key_a")  # ten times 0.1 is exactly 1
    _record(ws, bob, "0.2", at)
    _record(ws, carol, "0.000000000123456789", at)
    _record(ws, alice, "0", at, status=502)  # a failed call costs nothing, and still counts
    _record(ws, bob, "0.05", at, outcome="unknown_outcome")  # estimated, counts
    with ws.server.services.session() as session:
        assert spent_since(session, ws.id, "workspace", None, START) == Decimal(
            "1.250000000123456789"
        )
        assert spent_since(session, ws.id, "user", alice, START) == Decimal(1)
        assert spent_since(session, ws.id, "api_key", "key_a", START) == Decimal(1)
        assert spent_since(session, ws.id, "group", team, START) == Decimal("1.25")
        assert spent_since(session, ws.id, "user", "usr_nobody", START) == Decimal(0)
        budgets = [
            Budget("w", "workspace", None),
            Budget("a", "user", alice),
            Budget("k", "api_key", "key_a"),
            Budget("g", "group", team),
            Budget("c", "user", carol),
        ]
        assert spent_by_budget(session, ws.id, [(b, START) for b in budgets]) == {
            "w": Decimal("1.250000000123456789"),
            "a": Decimal(1),
            "k": Decimal(1),
            "g": Decimal("1.25"),
            "c": Decimal("0.000000000123456789"),
        }


def test_the_start_is_inclusive_and_each_budget_has_its_own(ws: Workspace) -> None:
    user, _ = ws.add_user()
    _record(ws, user, "1", START - timedelta(microseconds=1))
    _record(ws, user, "2", START)
    _record(ws, user, "4", START + timedelta(days=3))
    later = START + timedelta(days=1)
    with ws.server.services.session() as session:
        assert spent_since(session, ws.id, "user", user, START) == Decimal(6)
        assert spent_since(session, ws.id, "user", user, later) == Decimal(4)
        result = spent_by_budget(
            session,
            ws.id,
            [
                (Budget("month", "user", user), START),
                (Budget("day", "user", user), later),
                (Budget("total", "workspace", None), datetime(1970, 1, 1, tzinfo=UTC)),
            ],
        )
    assert result == {"month": Decimal(6), "day": Decimal(4), "total": Decimal(7)}


def test_a_group_counts_its_current_members(ws: Workspace) -> None:
    stays, _ = ws.add_user()
    leaves, _ = ws.add_user()
    team = _group(ws, stays, leaves)
    _record(ws, stays, "1", START)
    _record(ws, leaves, "2", START)
    with ws.server.services.session() as session:
        assert spent_since(session, ws.id, "group", team, START) == Decimal(3)
        session.query(GroupMemberRow).filter_by(group_id=team, user_id=leaves).delete()
        session.commit()
        assert spent_since(session, ws.id, "group", team, START) == Decimal(1)
        assert spent_by_budget(session, ws.id, [(Budget("g", "group", team), START)]) == {
            "g": Decimal(1)
        }


def test_other_workspaces_do_not_count(ws: Workspace) -> None:
    other = new_workspace(ws.server)
    user, _ = other.add_user()
    _record(other, user, "5", START)
    with ws.server.services.session() as session:
        assert spent_since(session, ws.id, "workspace", None, START) == Decimal(0)
        assert spent_since(session, other.id, "workspace", None, START) == Decimal(5)


def test_malformed_scopes_are_refused() -> None:
    with pytest.raises(ValueError):
        spent_since(None, "ws", "user", None, START)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        spent_by_budget(None, "ws", [(Budget("x", "team", "t"), START)])  # type: ignore[arg-type]
