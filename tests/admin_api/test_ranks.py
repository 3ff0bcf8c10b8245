"""Nobody acts on the account of a user who ranks above them (owner > admin > member).

The escalation this closes: an admin issued themselves the owner's API key, then used it to
make themselves owner.
"""

from __future__ import annotations

from tests.support import Workspace, error_of, ok


def _owner_key_id(ws: Workspace) -> str:
    with ws.owner() as api:
        keys = ok(api.get(f"/api/users/{ws.owner_id}/api-keys"))
    key_id: str = keys[0]["id"]
    return key_id


def test_an_admin_cannot_issue_list_or_revoke_an_owners_keys(ws: Workspace) -> None:
    admin_id, admin_key = ws.add_user("admin")
    owner_key_id = _owner_key_id(ws)
    with ws.server.client(admin_key) as admin:
        issued = admin.post(f"/api/users/{ws.owner_id}/api-keys", json={"name": "mine now"})
        assert error_of(issued, 403)["code"] == "higher_rank"
        assert "key" not in issued.json()
        assert error_of(admin.get(f"/api/users/{ws.owner_id}/api-keys"), 403)["code"] == (
            "higher_rank"
        )
        assert error_of(admin.delete(f"/api/api-keys/{owner_key_id}"), 403)["code"] == (
            "higher_rank"
        )
        # With no owner key in hand, the second step of the escalation stays refused too.
        promoted = admin.patch(f"/api/users/{admin_id}", json={"role": "owner"})
        assert error_of(promoted, 403)["code"] == "owner_required"
    with ws.owner() as api:
        keys = ok(api.get(f"/api/users/{ws.owner_id}/api-keys"))
        assert [key["id"] for key in keys] == [owner_key_id]  # nothing issued
        assert keys[0]["revoked_at"] is None  # nothing revoked
        assert ok(api.get("/v1/models"))  # the owner's key still works


def test_an_admin_cannot_change_an_owners_account(ws: Workspace) -> None:
    _admin_id, admin_key = ws.add_user("admin")
    with ws.server.client(admin_key) as admin:
        for change in ({"name": "Renamed"}, {"language": "de"}, {"password": "long-enough-1"}):
            refused = admin.patch(f"/api/users/{ws.owner_id}", json=change)
            assert error_of(refused, 403)["code"] == "higher_rank", change
    with ws.owner() as api:
        owner = ok(api.get("/api/me"))
    assert owner["name"] != "Renamed" and owner["language"] == "en"


def test_admins_still_manage_members_admins_and_themselves(ws: Workspace) -> None:
    admin_id, admin_key = ws.add_user("admin")
    other_admin_id, _ = ws.add_user("admin")
    member_id, _ = ws.add_user("member")
    with ws.server.client(admin_key) as admin:
        for user_id in (member_id, other_admin_id, admin_id):
            issued = ok(admin.post(f"/api/users/{user_id}/api-keys", json={"name": "x"}), 201)
            assert ok(admin.get(f"/api/users/{user_id}/api-keys"))
            ok(admin.delete(f"/api/api-keys/{issued['id']}"), 204)
        assert ok(admin.patch(f"/api/users/{member_id}", json={"role": "admin"}))["role"] == (
            "admin"
        )


def test_a_member_cannot_touch_anyone_elses_keys(ws: Workspace) -> None:
    _member_id, member_key = ws.add_user("member")
    other_id, other_key = ws.add_user("member")
    with ws.owner() as api:
        other_key_id = ok(api.get(f"/api/users/{other_id}/api-keys"))[0]["id"]
    with ws.server.client(member_key) as member:
        assert error_of(member.delete(f"/api/api-keys/{other_key_id}"), 403)
        assert error_of(member.get(f"/api/users/{other_id}/api-keys"), 403)
    with ws.server.client(other_key) as other:
        ok(other.get("/v1/models"))  # still valid
