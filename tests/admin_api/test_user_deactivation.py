"""Deactivating a user ends everything of theirs at once; reactivating lets them back in."""

from __future__ import annotations

from tests.support import Workspace, error_of, ok


def test_deactivation_revokes_keys_at_once_and_reactivation_needs_new_ones(ws: Workspace) -> None:
    member_id, member_key = ws.add_user("member")
    with ws.server.client(member_key) as member:
        assert ok(member.get("/v1/models"))  # cached as a good key before the change
    with ws.owner() as api:
        out = ok(api.patch(f"/api/users/{member_id}", json={"active": False}))
        assert out["active"] is False
        keys = ok(api.get(f"/api/users/{member_id}/api-keys"))
        assert keys and all(key["revoked_at"] is not None for key in keys)
    with ws.server.client(member_key) as member:
        assert error_of(member.get("/v1/models"), 401)
        assert error_of(member.get("/api/me"), 401)
    with ws.owner() as api:
        assert ok(api.patch(f"/api/users/{member_id}", json={"active": True}))["active"] is True
        fresh = ok(api.post(f"/api/users/{member_id}/api-keys", json={"name": "new"}), 201)
        audit = ok(api.get("/api/audit", params={"target_id": member_id}))
    assert {"user.deactivate", "user.reactivate"} <= {row["action"] for row in audit}
    with ws.server.client(member_key) as member:
        assert error_of(member.get("/v1/models"), 401)  # the old key stays revoked
    with ws.server.client(fresh["key"]) as member:
        assert ok(member.get("/v1/models"))


def test_rank_and_self_rules_hold_for_deactivation(ws: Workspace) -> None:
    admin_id, admin_key = ws.add_user("admin")
    with ws.server.client(admin_key) as admin:
        refused = admin.patch(f"/api/users/{ws.owner_id}", json={"active": False})
        assert error_of(refused, 403)["code"] == "higher_rank"
        itself = admin.patch(f"/api/users/{admin_id}", json={"active": False})
        assert error_of(itself, 409)["code"] == "self_deactivate"
    with ws.owner() as api:
        assert error_of(api.patch(f"/api/users/{admin_id}", json={"active": None}), 422)
        assert ok(api.get("/v1/models"))


def test_users_can_be_searched_by_email_or_name(ws: Workspace) -> None:
    member_id, _ = ws.add_user("member")
    with ws.owner() as api:
        ok(api.patch(f"/api/users/{member_id}", json={"name": "Zoë 100%_Quartz"}))
        assert [u["id"] for u in ok(api.get("/api/users", params={"q": "quartz"}))] == [member_id]
        assert [u["id"] for u in ok(api.get("/api/users", params={"q": "100%_"}))] == [member_id]
        assert ok(api.get("/api/users", params={"q": "0%x"})) == []
        assert len(ok(api.get("/api/users"))) >= 2
