"""``GET /api/usage?group_by=group``: a row per group; a user in two groups counts in both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import Workspace, ok
from tests.usage import stored_rows

MESSAGES: Any = [{"role": "user", "content": "count me"}]


def test_usage_by_group(ws: Workspace, fake: FakeProvider) -> None:
    both, both_key = ws.add_user()
    red_only, red_key = ws.add_user()
    _, loner_key = ws.add_user()
    with ws.owner() as api:
        red = ok(api.post("/api/groups", json={"name": "Red"}), 201)
        blue = ok(api.post("/api/groups", json={"name": "Blue"}), 201)
        empty = ok(api.post("/api/groups", json={"name": "Empty"}), 201)
        ok(api.put(f"/api/groups/{red['id']}/members", json={"user_ids": [both, red_only]}))
        ok(api.put(f"/api/groups/{blue['id']}/members", json={"user_ids": [both]}))
    model = add_model(ws, fake, input_price=2, output_price=8)
    calls = {both_key: 2, red_key: 1, loner_key: 3}
    for key, count in calls.items():
        for _ in range(count):
            sdk(ws, key).chat.completions.create(model=model["slug"], messages=MESSAGES)
    close_clients()
    records = stored_rows(ws.server, 6, workspace_id=ws.id)
    assert len(records) == 6
    cost_of = {r.user_id: r.cost_usd for r in records}  # identical calls: one price each
    with ws.owner() as api:
        report = ok(api.get("/api/usage", params={"group_by": "group"}))
    rows = {row["key"]: row for row in report["rows"]}
    assert set(rows) == {red["id"], blue["id"], None}  # a group without calls has no row
    assert empty["id"] not in rows
    assert (rows[red["id"]]["label"], rows[red["id"]]["requests"]) == ("Red", 3)
    assert (rows[blue["id"]]["label"], rows[blue["id"]]["requests"]) == ("Blue", 2)
    assert rows[None]["requests"] == 3
    red_cost = 2 * cost_of[both] + cost_of[red_only]
    assert Decimal(rows[red["id"]]["cost_usd_exact"]) == red_cost
    # Each call once in the totals, though the rows add up to more (both users count twice).
    assert report["totals"]["requests"] == 6
    assert sum(row["requests"] for row in rows.values()) == 8
    assert "both" in report["note"]
