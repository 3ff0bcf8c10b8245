"""The audit trail: every admin change leaves a row (who, what, on which id), never a secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from tests.support import Workspace, create_chat_model, error_of, ok

SECRET = "sk-audit-original-SECRET-1111"
ROTATED = "sk-audit-rotated-SECRET-2222"
MOVED = "sk-audit-moved-SECRET-3333"


def _audit(api: httpx.Client) -> list[dict[str, Any]]:
    return ok(api.get("/api/audit"))


def _since(api: httpx.Client, last_id: int) -> list[dict[str, Any]]:
    """The audit rows newer than ``last_id``, newest first (as the API returns them)."""
    return [row for row in _audit(api) if row["id"] > last_id]


def _last_id(api: httpx.Client) -> int:
    rows = _audit(api)
    return rows[0]["id"] if rows else 0


def _model(api: httpx.Client, name: str = "Chat", **extra: Any) -> dict[str, Any]:
    return create_chat_model(api, name, **({"available_in_assistants": True} | extra))


def _one(rows: list[dict[str, Any]], action: str, target_id: str) -> dict[str, Any]:
    found = [r for r in rows if r["action"] == action and r["target_id"] == target_id]
    assert len(found) == 1, (action, target_id, rows)
    return found[0]


def test_entry_shape_and_actor(ws: Workspace) -> None:
    with ws.owner() as api:
        start = _last_id(api)
        key = ok(
            api.post("/api/model-keys", json={"name": "k", "provider": "openai", "secret": SECRET}),
            201,
        )
        rows = _since(api, start)
        owner = next(u for u in ok(api.get("/api/users")) if u["id"] == ws.owner_id)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {
        "id",
        "at",
        "actor_id",
        "actor",
        "action",
        "target_type",
        "target_id",
        "fields",
        "details",
        "request_id",
    }
    assert row["actor"] == {"id": ws.owner_id, "email": owner["email"], "name": owner["name"]}
    assert (row["actor_id"], row["action"]) == (ws.owner_id, "model_key.create")
    assert (row["target_type"], row["target_id"]) == ("model_key", key["id"])
    assert row["details"]["provider"] == "openai"


def test_model_key_changes_are_audited_without_the_secret(ws: Workspace) -> None:
    with ws.owner() as api:
        start = _last_id(api)
        key = ok(
            api.post(
                "/api/model-keys",
                json={
                    "name": "k",
                    "provider": "openai",
                    "secret": SECRET,
                    "base_url": "http://127.0.0.1:9/v1",
                },
            ),
            201,
        )
        path = f"/api/model-keys/{key['id']}"
        ok(api.patch(path, json={"secret": ROTATED}))
        ok(api.patch(path, json={"base_url": "http://127.0.0.1:10/v1", "secret": MOVED}))
        ok(api.patch(path, json={"name": "renamed"}))
        ok(api.delete(path), 204)
        rows = _since(api, start)
        text = api.get("/api/audit").text
    assert [(r["action"], r["target_id"]) for r in rows] == [
        ("model_key.delete", key["id"]),
        ("model_key.update", key["id"]),
        ("model_key.update", key["id"]),
        ("model_key.update", key["id"]),
        ("model_key.create", key["id"]),
    ]
    assert all(r["actor_id"] == ws.owner_id for r in rows)
    for secret in (SECRET, ROTATED, MOVED):
        assert secret not in text
        # Not even a recognisable part of it beyond the last four characters.
        assert secret[:-4] not in text
    # Field names are fine (they say what changed), values of secrets are not.
    assert "secret" in rows[3]["details"]["fields"]


def test_refused_key_change_leaves_no_audit_row(ws: Workspace) -> None:
    with ws.owner() as api:
        key = ok(
            api.post(
                "/api/model-keys",
                json={
                    "name": "k",
                    "provider": "openai",
                    "secret": SECRET,
                    "base_url": "http://127.0.0.1:9/v1",
                },
            ),
            201,
        )
        start = _last_id(api)
        path = f"/api/model-keys/{key['id']}"
        error_of(api.patch(path, json={"base_url": "http://127.0.0.1:10/v1"}), 422)
        error_of(
            api.post("/api/model-keys", json={"name": "x", "provider": "nope", "secret": ROTATED}),
            422,
        )
        assert _since(api, start) == []
        assert ROTATED not in api.get("/api/audit").text


def test_model_deployment_and_fallback_changes(ws: Workspace) -> None:
    with ws.owner() as api:
        key = ok(
            api.post("/api/model-keys", json={"name": "k", "provider": "openai", "secret": SECRET}),
            201,
        )
        start = _last_id(api)
        model = _model(api, "Primary")
        backup = _model(api, "Backup")
        ok(api.patch(f"/api/models/{model['id']}", json={"premium": True}))
        dep = ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={"key_id": key["id"], "model_identifier": "gpt-x"},
            ),
            201,
        )
        ok(api.patch(f"/api/deployments/{dep['id']}", json={"tpm_limit": 1000}))
        ok(api.put(f"/api/models/{model['id']}/fallbacks", json={"fallbacks": [backup["id"]]}))
        ok(api.put(f"/api/models/{model['id']}/fallbacks", json={"fallbacks": []}))
        ok(api.delete(f"/api/deployments/{dep['id']}"), 204)
        ok(api.delete(f"/api/models/{backup['id']}"), 204)
        rows = _since(api, start)
    expected = [
        ("model.delete", "model", backup["id"]),
        ("deployment.delete", "deployment", dep["id"]),
        ("model.fallbacks", "model", model["id"]),
        ("model.fallbacks", "model", model["id"]),
        ("deployment.update", "deployment", dep["id"]),
        ("deployment.create", "deployment", dep["id"]),
        ("model.update", "model", model["id"]),
        ("model.create", "model", backup["id"]),
        ("model.create", "model", model["id"]),
    ]
    assert [(r["action"], r["target_type"], r["target_id"]) for r in rows] == expected
    assert all(r["actor_id"] == ws.owner_id for r in rows)
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    assert rows[2]["details"]["fallbacks"] == []
    assert rows[3]["details"]["fallbacks"] == [backup["id"]]
    assert rows[6]["details"]["fields"] == ["premium"]
    assert rows[5]["details"]["key_id"] == key["id"]
    ats = [datetime.fromisoformat(r["at"]) for r in rows]
    assert ats == sorted(ats, reverse=True)
    assert SECRET not in str(rows)


def test_user_and_api_key_changes(ws: Workspace) -> None:
    with ws.owner() as api:
        start = _last_id(api)
        user = ok(
            api.post("/api/users", json={"email": "u@example.com", "password": "a-long-password"}),
            201,
        )
        ok(api.patch(f"/api/users/{user['id']}", json={"role": "admin", "name": "U"}))
        ok(api.patch(f"/api/users/{user['id']}", json={"password": "another-long-password"}))
        issued = ok(api.post(f"/api/users/{user['id']}/api-keys", json={"name": "ci"}), 201)
        ok(api.delete(f"/api/api-keys/{issued['id']}"), 204)
        rows = _since(api, start)
        text = api.get("/api/audit").text
    assert [(r["action"], r["target_type"], r["target_id"]) for r in rows] == [
        ("api_key.revoke", "api_key", issued["id"]),
        ("api_key.create", "api_key", issued["id"]),
        ("user.update", "user", user["id"]),
        ("user.update", "user", user["id"]),
        ("user.create", "user", user["id"]),
    ]
    assert all(r["actor_id"] == ws.owner_id for r in rows)
    assert rows[3]["details"]["fields"] == ["name", "role"]
    assert rows[2]["details"]["fields"] == ["password"]
    for plain in (issued["key"], "a-long-password", "another-long-password"):
        assert plain not in text


def test_assistant_changes(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api)
        other = _model(api, "Other")
        start = _last_id(api)
        assistant = ok(
            api.post("/api/assistants", json={"name": "Helper", "model_id": model["id"]}), 201
        )
        path = f"/api/assistants/{assistant['id']}"
        ok(api.patch(path, json={"name": "Helper 2", "model_id": other["id"]}))
        ok(api.delete(path), 204)
        rows = _since(api, start)
    assert [(r["action"], r["target_type"], r["target_id"]) for r in rows] == [
        ("assistant.delete", "assistant", assistant["id"]),
        ("assistant.update", "assistant", assistant["id"]),
        ("assistant.create", "assistant", assistant["id"]),
    ]
    assert all(r["actor_id"] == ws.owner_id for r in rows)
    assert rows[1]["details"]["fields"] == ["model_id", "name"]
    assert rows[2]["details"]["model_id"] == model["id"]


def test_actor_is_whoever_made_the_change(ws: Workspace) -> None:
    admin_id, admin_key = ws.add_user("admin")
    member_id, member_key = ws.add_user("member")
    with ws.owner() as api:
        model = _model(api)
        start = _last_id(api)
    with ws.server.client(admin_key) as admin:
        ok(admin.patch(f"/api/models/{model['id']}", json={"maintenance": True}))
    with ws.server.client(member_key) as member:
        issued = ok(member.post("/api/me/api-keys", json={"name": "laptop"}), 201)
        ok(member.put("/api/me/default-model", json={"model_id": None}))
    with ws.owner() as api:
        rows = _since(api, start)
    assert [(r["actor_id"], r["action"], r["target_id"]) for r in rows] == [
        (member_id, "user.default_model", member_id),
        (member_id, "api_key.create", issued["id"]),
        (admin_id, "model.update", model["id"]),
    ]


def test_refused_changes_leave_no_row(ws: Workspace) -> None:
    _, member_key = ws.add_user("member")
    with ws.owner() as api:
        model = _model(api, premium=True)
        start = _last_id(api)
        error_of(api.put("/api/me/default-model", json={"model_id": model["id"]}), 422)
        error_of(api.post("/api/users", json={"email": "bad"}), 422)
        error_of(api.patch("/api/models/mdl_nope", json={"visible": True}), 404)
    with ws.server.client(member_key) as member:
        error_of(member.patch(f"/api/models/{model['id']}", json={"visible": False}), 403)
    with ws.owner() as api:
        assert _since(api, start) == []


def test_limit_and_order(ws: Workspace) -> None:
    with ws.owner() as api:
        for n in range(3):
            _model(api, f"M{n}")
        rows = _audit(api)
        assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
        # The oldest row is the workspace's creation, by no user.
        assert (rows[-1]["action"], rows[-1]["actor_id"]) == ("workspace.create", None)
        limited = ok(api.get("/api/audit", params={"limit": 2}))
        assert limited == rows[:2]


def test_members_get_403_and_admins_see_the_trail(ws: Workspace) -> None:
    admin_id, admin_key = ws.add_user("admin")
    _, member_key = ws.add_user("member")
    with ws.server.client(member_key) as member:
        error = error_of(member.get("/api/audit"), 403)
        assert error["type"] == "permission_error"
    with ws.server.client(admin_key) as admin:
        rows = _audit(admin)
    assert any(r["action"] == "user.create" and r["target_id"] == admin_id for r in rows)
