"""Every admin route refuses anonymous callers (401) and members (403)."""

from __future__ import annotations

import pytest

from tests.support import Workspace, error_of, ok

ADMIN_ROUTES = [
    ("GET", "/api/catalog"),
    ("GET", "/api/catalog/openai/gpt-4o"),
    ("GET", "/api/model-keys"),
    ("POST", "/api/model-keys"),
    ("GET", "/api/model-keys/key_x"),
    ("PATCH", "/api/model-keys/key_x"),
    ("DELETE", "/api/model-keys/key_x"),
    ("GET", "/api/models"),
    ("POST", "/api/models"),
    ("GET", "/api/models/mdl_x"),
    ("PATCH", "/api/models/mdl_x"),
    ("DELETE", "/api/models/mdl_x"),
    ("POST", "/api/models/mdl_x/deployments"),
    ("GET", "/api/models/mdl_x/deployments"),
    ("PATCH", "/api/deployments/dep_x"),
    ("DELETE", "/api/deployments/dep_x"),
    ("PUT", "/api/models/mdl_x/fallbacks"),
    ("POST", "/api/models/mdl_x/test"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("PATCH", "/api/users/usr_x"),
    ("POST", "/api/users/usr_x/api-keys"),
    ("POST", "/api/assistants"),
    ("PATCH", "/api/assistants/ast_x"),
    ("DELETE", "/api/assistants/ast_x"),
    ("GET", "/api/audit"),
]
BODIES = {
    "/api/model-keys": {"name": "k", "provider": "openai", "secret": "sk-abcdef"},
    "/api/models": {"kind": "completion", "catalog_id": "openai/gpt-4o"},
    "/api/users": {"email": "a@b.c"},
    "/api/assistants": {"name": "a", "model_id": "mdl_x"},
}


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_anonymous_is_401(ws: Workspace, method: str, path: str) -> None:
    with ws.server.client() as anon:
        error = error_of(anon.request(method, path, json=BODIES.get(path, {})), 401)
        assert error["type"] == "authentication_error"
    with ws.server.client("my-not-a-real-key") as bad:
        error_of(bad.request(method, path, json=BODIES.get(path, {})), 401)


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_member_is_403(ws: Workspace, method: str, path: str) -> None:
    _, member_key = ws.add_user("member")
    with ws.server.client(member_key) as member:
        error = error_of(member.request(method, path, json=BODIES.get(path, {})), 403)
        assert error["type"] == "permission_error"


def test_admin_can_manage_but_not_make_owners(ws: Workspace) -> None:
    _, admin_key = ws.add_user("admin")
    member_id, _ = ws.add_user("member")
    with ws.server.client(admin_key) as admin:
        ok(api_get := admin.get("/api/models"))
        assert api_get.json() == []
        error = error_of(admin.patch(f"/api/users/{member_id}", json={"role": "owner"}), 403)
        assert error["code"] == "owner_required"
        error_of(admin.post("/api/users", json={"email": "o@x.y", "role": "owner"}), 403)
        promoted = ok(admin.patch(f"/api/users/{member_id}", json={"role": "admin"}))
        assert promoted["role"] == "admin"


def test_last_owner_cannot_be_demoted(ws: Workspace) -> None:
    with ws.owner() as owner:
        error = error_of(owner.patch(f"/api/users/{ws.owner_id}", json={"role": "admin"}), 409)
        assert error["param"] == "role"
        second = ok(owner.post("/api/users", json={"email": "o2@x.y", "role": "owner"}), 201)
        ok(owner.patch(f"/api/users/{second['id']}", json={"role": "member"}))


def test_revoked_key_is_401(ws: Workspace) -> None:
    _, member_key = ws.add_user("member")
    with ws.server.client(member_key) as member:
        ok(member.get("/api/me"))
        keys = ok(member.get("/api/me/api-keys"))
        ok(member.delete(f"/api/api-keys/{keys[0]['id']}"), 204)
        error_of(member.get("/api/me"), 401)


def test_member_manages_own_api_keys(ws: Workspace) -> None:
    member_id, member_key = ws.add_user("member")
    with ws.server.client(member_key) as member:
        issued = ok(member.post("/api/me/api-keys", json={"name": "laptop"}), 201)
        assert issued["key"].startswith("my-")
        listed = ok(member.get("/api/me/api-keys"))
        assert all("key" not in k for k in listed)
        assert issued["id"] in {k["id"] for k in listed}
        ok(member.post(f"/api/users/{member_id}/api-keys", json={}), 201)
    with ws.server.client(issued["key"]) as laptop:
        assert ok(laptop.get("/api/me"))["id"] == member_id
