"""``/api/budgets``, ``/api/me/budgets``, ``/api/webhook-secret`` and ``/api/budgets/alerts``
through real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from modelyard.storage.tables import BudgetRow, WorkspaceRow
from modelyard.testing import FakeProvider
from modelyard.usage.budget_periods import period_bounds
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import Workspace, create_chat_model, error_of, new_workspace, ok
from tests.usage import stored_rows

MESSAGES: Any = [{"role": "user", "content": "spend a little"}]


def _budget(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"scope": "workspace", "amount_usd": "10", "period": "month"} | fields
    return ok(api.post("/api/budgets", json=body), 201)  # type: ignore[no-any-return]


def _version(ws: Workspace) -> int:
    with ws.server.services.session() as session:
        return int(
            session.scalar(select(WorkspaceRow.config_version).where(WorkspaceRow.id == ws.id)) or 0
        )


def _stored(ws: Workspace) -> int:
    with ws.server.services.session() as session:
        return len(list(session.scalars(select(BudgetRow).where(BudgetRow.workspace_id == ws.id))))


def test_crud_audit_and_the_config_version(ws: Workspace) -> None:
    with ws.owner() as api:
        before = _version(ws)
        created = _budget(api, amount_usd=12.5, timezone="Europe/Berlin", period="day")
        assert _version(ws) > before
        assert created["id"].startswith("bud_")
        assert created["amount_usd"] == "12.5"  # exact decimal strings out
        assert created["spent_usd"] == "0" and created["remaining_usd"] == "12.5"
        assert created["notify_at"] == ["0.8", "1"]
        assert created["on_exceed"] == "block" and created["fallback_model_id"] is None
        assert created["scope_id"] is None and created["scope_name"] is None
        start = datetime.fromisoformat(created["period_start"])
        resets = datetime.fromisoformat(created["resets_at"])
        assert (start, resets) == period_bounds("day", "Europe/Berlin", start)

        assert [b["id"] for b in ok(api.get("/api/budgets"))] == [created["id"]]
        assert ok(api.get(f"/api/budgets/{created['id']}"))["timezone"] == "Europe/Berlin"

        before = _version(ws)
        changed = ok(
            api.patch(
                f"/api/budgets/{created['id']}",
                json={"amount_usd": "0.000001", "period": "total", "notify_at": [1, 0.5, 0.5]},
            )
        )
        assert _version(ws) > before
        assert changed["amount_usd"] == "0.000001" and changed["period"] == "total"
        assert changed["resets_at"] is None and changed["notify_at"] == ["0.5", "1"]
        assert changed["timezone"] == "Europe/Berlin"  # untouched fields stay

        assert ok(api.delete(f"/api/budgets/{created['id']}")) == {"id": created["id"]}
        error_of(api.get(f"/api/budgets/{created['id']}"), 404)
        error_of(api.delete(f"/api/budgets/{created['id']}"), 404)
        actions = [(r["action"], r["target_id"]) for r in ok(api.get("/api/audit"))]
    for action in ("budget.create", "budget.update", "budget.delete"):
        assert (action, created["id"]) in actions


def test_scopes_name_what_they_limit(ws: Workspace) -> None:
    member, _ = ws.add_user(email="scoped@example.com")
    with ws.owner() as api:
        group = ok(api.post("/api/groups", json={"name": "Sales"}), 201)
        key = ok(api.post(f"/api/users/{member}/api-keys", json={"name": "laptop"}), 201)
        by_group = _budget(api, scope="group", scope_id=group["id"])
        by_user = _budget(api, scope="user", scope_id=member)
        by_key = _budget(api, scope="api_key", scope_id=key["id"])
    assert by_group["scope_name"] == "Sales"
    assert by_user["scope_name"] == "scoped@example.com"
    assert by_key["scope_name"] == "laptop"


def test_fallback_needs_a_completion_model_and_keeps_it_from_deletion(
    ws: Workspace,
) -> None:
    with ws.owner() as api:
        cheap = create_chat_model(api, "Cheap")
        budget = _budget(api, on_exceed="fallback", fallback_model_id=cheap["id"])
        assert budget["fallback_model_id"] == cheap["id"]
        error = error_of(api.delete(f"/api/models/{cheap['id']}"), 409)
        assert budget["id"] in error["message"]
        ok(api.get(f"/api/models/{cheap['id']}"))  # still there
        # Switching to block drops the fallback, and the model may go.
        blocked = ok(api.patch(f"/api/budgets/{budget['id']}", json={"on_exceed": "block"}))
        assert blocked["fallback_model_id"] is None
        ok(api.delete(f"/api/models/{cheap['id']}"), 204)


def _invalid_bodies(ws: Workspace, api: httpx.Client) -> list[tuple[dict[str, Any], str]]:
    other = new_workspace(ws.server)
    other_user, _ = other.add_user()
    group = ok(api.post("/api/groups", json={"name": f"G {ws.id}"}), 201)
    embedding = ok(
        api.post(
            "/api/models",
            json={
                "kind": "embedding",
                "display_name": "Embed",
                "provider": "openai",
                "provider_model_name": "text-embedding-3-small",
            },
        ),
        201,
    )
    return [
        ({"amount_usd": 0}, "amount_usd"),
        ({"amount_usd": "-1"}, "amount_usd"),
        ({"amount_usd": "ten"}, "amount_usd"),
        ({"amount_usd": "0.0000001"}, "amount_usd"),
        ({"amount_usd": "NaN"}, "amount_usd"),
        ({"scope": "team"}, "scope"),
        ({"scope": "group"}, "scope_id"),
        ({"scope": "workspace", "scope_id": group["id"]}, "scope_id"),
        ({"scope": "group", "scope_id": "grp_nope"}, "scope_id"),
        ({"scope": "user", "scope_id": other_user}, "scope_id"),
        ({"scope": "api_key", "scope_id": ws.owner_id}, "scope_id"),
        ({"period": "year"}, "period"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"on_exceed": "warn"}, "on_exceed"),
        ({"on_exceed": "fallback"}, "fallback_model_id"),
        ({"on_exceed": "fallback", "fallback_model_id": "mdl_nope"}, "fallback_model_id"),
        ({"on_exceed": "fallback", "fallback_model_id": embedding["id"]}, "fallback_model_id"),
        ({"fallback_model_id": embedding["id"]}, "fallback_model_id"),
        ({"notify_at": [0]}, "notify_at"),
        ({"notify_at": [0.5, 1.5]}, "notify_at"),
        ({"notify_at": "0.5"}, "notify_at"),
        ({"webhook_url": "ftp://hooks.example.com/x"}, "webhook_url"),
        ({"webhook_url": "http://169.254.169.254/latest"}, "webhook_url"),
        ({"webhook_url": "http://10.1.2.3/hook"}, "webhook_url"),
        ({"color": "red"}, "color"),
    ]


def test_every_invalid_field_is_a_422_naming_it_and_nothing_is_written(ws: Workspace) -> None:
    with ws.owner() as api:
        for change, param in _invalid_bodies(ws, api):
            body = {"scope": "workspace", "amount_usd": "5", "period": "day"} | change
            error = error_of(api.post("/api/budgets", json=body), 422)
            assert param in (error["param"] or ""), (change, error)
        assert _stored(ws) == 0
        assert ok(api.get("/api/budgets")) == []


def test_a_patch_is_checked_as_a_whole(ws: Workspace) -> None:
    with ws.owner() as api:
        budget = _budget(api, webhook_url="http://127.0.0.1:9/hook")
        path = f"/api/budgets/{budget['id']}"
        cases: list[tuple[dict[str, Any], str]] = [
            ({"amount_usd": None}, "amount_usd"),
            ({"period": None}, "period"),
            ({"scope": "user"}, "scope_id"),
            ({"on_exceed": "fallback"}, "fallback_model_id"),
            ({"timezone": "Nowhere/Else"}, "timezone"),
            ({"webhook_url": "http://10.0.0.1/x"}, "webhook_url"),
            ({"amount_usd": "-3"}, "amount_usd"),
        ]
        for change, param in cases:
            error = error_of(api.patch(path, json=change), 422)
            assert param in (error["param"] or ""), (change, error)
        assert ok(api.get(path)) | {"spent_usd": "0"} == budget | {"spent_usd": "0"}
        cleared = ok(api.patch(path, json={"webhook_url": None}))
        assert cleared["webhook_url"] is None


def test_members_may_not_manage_budgets(ws: Workspace) -> None:
    _, member_key = ws.add_user()
    _, admin_key = ws.add_user("admin")
    with ws.owner() as api:
        budget = _budget(api)
    with ws.server.client(member_key) as member:
        for response in (
            member.get("/api/budgets"),
            member.post("/api/budgets", json={"scope": "workspace"}),
            member.get(f"/api/budgets/{budget['id']}"),
            member.patch(f"/api/budgets/{budget['id']}", json={"amount_usd": 1000}),
            member.delete(f"/api/budgets/{budget['id']}"),
            member.get("/api/budgets/alerts"),
            member.post("/api/webhook-secret"),
        ):
            error_of(response, 403)
    with ws.server.client(admin_key) as admin:
        assert ok(admin.patch(f"/api/budgets/{budget['id']}", json={"amount_usd": 20}))
        assert ok(admin.get("/api/budgets/alerts")) == []
        assert error_of(admin.post("/api/webhook-secret"), 403)["code"] == "owner_required"
    with ws.owner() as api:
        assert ok(api.get(f"/api/budgets/{budget['id']}"))["amount_usd"] == "20"


def test_webhook_secret_is_shown_once_and_stored_encrypted(ws: Workspace) -> None:
    with ws.owner() as api:
        first = ok(api.post("/api/webhook-secret"), 201)["secret"]
        second = ok(api.post("/api/webhook-secret"), 201)["secret"]
        audit = api.get("/api/audit").text
    assert first != second and first.startswith("whsec_") and len(first) > 30
    assert first not in audit and second not in audit
    with ws.server.services.session() as session:
        stored = session.scalar(select(WorkspaceRow.webhook_secret).where(WorkspaceRow.id == ws.id))
    assert stored is not None and second.encode() not in stored
    assert ws.server.services.secret_box.decrypt(stored) == second


def test_my_budgets_are_the_ones_that_apply_to_me(ws: Workspace) -> None:
    me, my_key = ws.add_user()
    someone, _ = ws.add_user()
    with ws.owner() as api:
        mine = ok(api.post("/api/groups", json={"name": "Mine"}), 201)
        theirs = ok(api.post("/api/groups", json={"name": "Theirs"}), 201)
        ok(api.put(f"/api/groups/{mine['id']}/members", json={"user_ids": [me]}))
        ok(api.put(f"/api/groups/{theirs['id']}/members", json={"user_ids": [someone]}))
        key = ok(api.post(f"/api/users/{me}/api-keys", json={"name": "ci"}), 201)
        applying = [
            _budget(api),
            _budget(api, scope="user", scope_id=me),
            _budget(api, scope="group", scope_id=mine["id"]),
            _budget(api, scope="api_key", scope_id=key["id"]),
        ]
        _budget(api, scope="user", scope_id=someone)
        _budget(api, scope="group", scope_id=theirs["id"])
        _budget(api, scope="api_key", scope_id=_owner_key_id(api, ws))
    with ws.server.client(my_key) as member:
        seen = ok(member.get("/api/me/budgets"))
    assert [b["id"] for b in seen] == [b["id"] for b in applying]
    assert all("webhook_url" not in b and "notify_at" not in b for b in seen)
    assert {b["scope_name"] for b in seen} == {None, "Mine", "ci", _email(ws, me)}
    assert all(b["spent_usd"] == "0" and b["remaining_usd"] == "10" for b in seen)


def _owner_key_id(api: httpx.Client, ws: Workspace) -> str:
    keys = ok(api.get(f"/api/users/{ws.owner_id}/api-keys"))
    return str(keys[0]["id"])


def _email(ws: Workspace, user_id: str) -> str:
    with ws.owner() as api:
        users = ok(api.get("/api/users"))
    return str(next(u["email"] for u in users if u["id"] == user_id))


@pytest.mark.parametrize("stream", [False, True])
def test_spent_follows_real_calls(ws: Workspace, fake: FakeProvider, stream: bool) -> None:
    me, my_key = ws.add_user()
    other, other_key = ws.add_user()
    model = add_model(ws, fake, input_price=2, output_price=8)
    with ws.owner() as api:
        everyone = _budget(api, amount_usd="1")
        only_me = _budget(api, scope="user", scope_id=me, amount_usd="0.5", period="day")
    for key, count in ((my_key, 3), (other_key, 2)):
        for _ in range(count):
            client = sdk(ws, key)
            if stream:
                list(
                    client.chat.completions.create(
                        model=model["slug"], messages=MESSAGES, stream=True
                    )
                )
            else:
                client.chat.completions.create(model=model["slug"], messages=MESSAGES)
    close_clients()
    records = stored_rows(ws.server, 5, workspace_id=ws.id)
    assert len(records) == 5
    total = sum((r.cost_usd for r in records), Decimal(0))
    assert total > 0
    mine = sum((r.cost_usd for r in records if r.user_id == me), Decimal(0))
    with ws.owner() as api:
        shown = {b["id"]: b for b in ok(api.get("/api/budgets"))}
    assert Decimal(shown[everyone["id"]]["spent_usd"]) == total
    assert Decimal(shown[everyone["id"]]["remaining_usd"]) == Decimal(1) - total
    assert Decimal(shown[only_me["id"]]["spent_usd"]) == mine
    with ws.server.client(my_key) as member:
        seen = {b["id"]: b for b in ok(member.get("/api/me/budgets"))}
    assert Decimal(seen[only_me["id"]]["remaining_usd"]) == Decimal("0.5") - mine
    assert other not in {b["scope_id"] for b in seen.values()}


def test_deleting_a_group_deletes_its_budgets_and_nothing_else(ws: Workspace) -> None:
    with ws.owner() as api:
        group = ok(api.post("/api/groups", json={"name": "Temporary"}), 201)
        other = ok(api.post("/api/groups", json={"name": "Staying"}), 201)
        gone = _budget(api, scope="group", scope_id=group["id"])
        kept = _budget(api, scope="group", scope_id=other["id"])
        workspace = _budget(api)
        ok(api.delete(f"/api/groups/{group['id']}"))
        left = {b["id"] for b in ok(api.get("/api/budgets"))}
        assert gone["id"] not in left and {kept["id"], workspace["id"]} <= left
        audit = ok(api.get("/api/audit", params={"action": "group.delete"}))
    assert audit[0]["details"]["budgets_deleted"] == [gone["id"]]
