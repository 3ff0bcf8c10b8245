"""Workspaces on one server never see or touch each other's rows: a foreign id is unknown (404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support import Workspace, create_chat_model, error_of, new_workspace, ok

SECRET_A = "sk-workspace-a-secret-0001"


@dataclass
class Rows:
    """One of everything in a workspace, created through its owner."""

    key: dict[str, Any]
    model: dict[str, Any]
    embedding: dict[str, Any]
    deployment: dict[str, Any]
    user_id: str
    user_key: str
    api_key_id: str
    assistant: dict[str, Any]


def _model(api: httpx.Client, name: str = "Shared Name", **extra: Any) -> dict[str, Any]:
    defaults = {"available_in_assistants": True, "capabilities": {"canvas": True}}
    return create_chat_model(api, name, **(defaults | extra))


def _populate(ws: Workspace) -> Rows:
    user_id, user_key = ws.add_user("member", email="same@example.com")
    with ws.owner() as api:
        key = ok(
            api.post(
                "/api/model-keys",
                json={"name": "Key", "provider": "openai", "secret": SECRET_A},
            ),
            201,
        )
        model = _model(api)
        embedding = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "embedding",
                    "provider": "openai",
                    "provider_model_name": "text-embedding-3-small",
                },
            ),
            201,
        )
        deployment = ok(
            api.post(
                f"/api/models/{model['id']}/deployments",
                json={"key_id": key["id"], "model_identifier": "gpt-x"},
            ),
            201,
        )
        assistant = ok(
            api.post(
                "/api/assistants",
                json={"name": "Helper", "model_id": model["id"], "tools": ["canvas"]},
            ),
            201,
        )
        api_keys = ok(api.get(f"/api/users/{user_id}/api-keys"))
    return Rows(key, model, embedding, deployment, user_id, user_key, api_keys[0]["id"], assistant)


@pytest.fixture
def pair(ws: Workspace) -> tuple[Workspace, Rows, Workspace, Rows]:
    other = new_workspace(ws.server)
    return ws, _populate(ws), other, _populate(other)


def _snapshot(ws: Workspace, rows: Rows) -> dict[str, Any]:
    """Everything the owner of ``ws`` can read about its rows."""
    with ws.owner() as api:
        return {
            "keys": ok(api.get("/api/model-keys")),
            "models": ok(api.get("/api/models")),
            "deployments": ok(api.get(f"/api/models/{rows.model['id']}/deployments")),
            "users": ok(api.get("/api/users")),
            "api_keys": ok(api.get(f"/api/users/{rows.user_id}/api-keys")),
            "assistants": ok(api.get("/api/assistants")),
            "default": ok(api.get("/api/me/default-model")),
        }


def test_foreign_ids_are_404_for_direct_access(
    pair: tuple[Workspace, Rows, Workspace, Rows],
) -> None:
    a, rows_a, b, _ = pair
    before = _snapshot(a, rows_a)
    with b.owner() as api:
        requests: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", f"/api/model-keys/{rows_a.key['id']}", None),
            ("PATCH", f"/api/model-keys/{rows_a.key['id']}", {"name": "Stolen"}),
            ("DELETE", f"/api/model-keys/{rows_a.key['id']}", None),
            ("GET", f"/api/models/{rows_a.model['id']}", None),
            ("PATCH", f"/api/models/{rows_a.model['id']}", {"display_name": "Stolen"}),
            ("DELETE", f"/api/models/{rows_a.embedding['id']}", None),
            ("GET", f"/api/models/{rows_a.model['id']}/deployments", None),
            ("PUT", f"/api/models/{rows_a.model['id']}/fallbacks", {"fallbacks": []}),
            ("POST", f"/api/models/{rows_a.model['id']}/test", {}),
            ("PATCH", f"/api/deployments/{rows_a.deployment['id']}", {"tpm_limit": 5}),
            ("DELETE", f"/api/deployments/{rows_a.deployment['id']}", None),
            ("PATCH", f"/api/users/{rows_a.user_id}", {"name": "Stolen"}),
            ("PATCH", f"/api/users/{rows_a.user_id}", {"role": "admin"}),
            ("PATCH", f"/api/users/{a.owner_id}", {"role": "member"}),
            ("GET", f"/api/users/{rows_a.user_id}/api-keys", None),
            ("POST", f"/api/users/{rows_a.user_id}/api-keys", {"name": "backdoor"}),
            ("DELETE", f"/api/api-keys/{rows_a.api_key_id}", None),
            ("PATCH", f"/api/assistants/{rows_a.assistant['id']}", {"name": "Stolen"}),
            ("DELETE", f"/api/assistants/{rows_a.assistant['id']}", None),
        ]
        for method, path, body in requests:
            response = (
                api.request(method, path, json=body)
                if body is not None
                else (api.request(method, path))
            )
            error = error_of(response, 404)
            assert error["type"] == "not_found_error", (method, path, error)
            assert SECRET_A not in response.text
    assert _snapshot(a, rows_a) == before
    # A's member key still works: B could not revoke it.
    with a.server.client(rows_a.user_key) as member:
        assert ok(member.get("/api/me"))["id"] == rows_a.user_id


def test_foreign_ids_are_404_as_references(pair: tuple[Workspace, Rows, Workspace, Rows]) -> None:
    a, rows_a, b, rows_b = pair
    before = _snapshot(a, rows_a)
    with b.owner() as api:
        error = error_of(
            api.post(
                f"/api/models/{rows_b.model['id']}/deployments",
                json={"key_id": rows_a.key["id"], "model_identifier": "gpt-x"},
            ),
            404,
        )
        assert error["param"] == "key_id"
        error = error_of(
            api.patch(
                f"/api/deployments/{rows_b.deployment['id']}", json={"key_id": rows_a.key["id"]}
            ),
            404,
        )
        assert error["param"] == "key_id"
        error_of(
            api.put(
                f"/api/models/{rows_b.model['id']}/fallbacks",
                json={"fallbacks": [rows_a.model["id"]]},
            ),
            404,
        )
        error = error_of(
            api.post(
                "/api/assistants",
                json={"name": "Borrowed", "model_id": rows_a.model["id"]},
            ),
            404,
        )
        assert error["param"] == "model_id"
        error = error_of(
            api.patch(
                f"/api/assistants/{rows_b.assistant['id']}", json={"model_id": rows_a.model["id"]}
            ),
            404,
        )
        assert error["param"] == "model_id"
        error = error_of(
            api.put("/api/me/default-model", json={"model_id": rows_a.model["id"]}), 404
        )
        assert error["param"] == "model_id"
        # B's own rows are unchanged by the refused references.
        assert ok(api.get(f"/api/models/{rows_b.model['id']}"))["fallbacks"] == []
        assert ok(api.get("/api/assistants")) == [rows_b.assistant]
        deployments = ok(api.get(f"/api/models/{rows_b.model['id']}/deployments"))
        assert [d["key_id"] for d in deployments] == [rows_b.key["id"]]
        assert ok(api.get("/api/me/default-model")) == {"model_id": None, "slug": None}
    assert _snapshot(a, rows_a) == before


def test_a_member_cannot_reach_another_workspace_either(
    pair: tuple[Workspace, Rows, Workspace, Rows],
) -> None:
    _, rows_a, b, rows_b = pair
    with b.server.client(rows_b.user_key) as member:
        error = error_of(
            member.put("/api/me/default-model", json={"model_id": rows_a.model["id"]}), 404
        )
        assert error["param"] == "model_id"
        error_of(member.delete(f"/api/api-keys/{rows_a.api_key_id}"), 404)
        error_of(member.post(f"/api/users/{rows_a.user_id}/api-keys", json={}), 403)
        assert ok(member.get("/api/assistants")) == [rows_b.assistant]


def test_lists_never_show_the_other_workspace(
    pair: tuple[Workspace, Rows, Workspace, Rows],
) -> None:
    a, rows_a, b, rows_b = pair
    for ws, mine, theirs in ((a, rows_a, rows_b), (b, rows_b, rows_a)):
        with ws.owner() as api:
            assert [k["id"] for k in ok(api.get("/api/model-keys"))] == [mine.key["id"]]
            listed = [m["id"] for m in ok(api.get("/api/models"))]
            assert listed == [mine.model["id"], mine.embedding["id"]]
            for kind in ("completion", "embedding", "image"):
                ids = {m["id"] for m in ok(api.get("/api/models", params={"kind": kind}))}
                assert not ids & {theirs.model["id"], theirs.embedding["id"]}
            assert [u["id"] for u in ok(api.get("/api/users"))] == [ws.owner_id, mine.user_id]
            assert [x["id"] for x in ok(api.get("/api/assistants"))] == [mine.assistant["id"]]
            model = ok(api.get(f"/api/models/{mine.model['id']}"))
            assert [d["id"] for d in model["deployments"]] == [mine.deployment["id"]]
            key = ok(api.get(f"/api/model-keys/{mine.key['id']}"))
            assert [u["deployment_id"] for u in key["used_by"]] == [mine.deployment["id"]]
            audit = ok(api.get("/api/audit"))
            targets = {row["target_id"] for row in audit}
            assert mine.model["id"] in targets
            assert not targets & {
                theirs.key["id"],
                theirs.model["id"],
                theirs.embedding["id"],
                theirs.deployment["id"],
                theirs.user_id,
                theirs.api_key_id,
                theirs.assistant["id"],
            }
            other_owner = a.owner_id if ws is b else b.owner_id
            assert other_owner not in {row["actor_id"] for row in audit}


def test_slugs_and_emails_are_per_workspace(pair: tuple[Workspace, Rows, Workspace, Rows]) -> None:
    _, rows_a, _, rows_b = pair
    # Both workspaces named their model, and their member, the same: no clash across workspaces.
    assert rows_a.model["slug"] == rows_b.model["slug"] == "shared-name"
    assert rows_a.assistant["slug"] == rows_b.assistant["slug"]
    assert rows_a.user_id != rows_b.user_id


def test_same_email_in_two_workspaces_are_two_users(
    pair: tuple[Workspace, Rows, Workspace, Rows],
) -> None:
    a, rows_a, b, rows_b = pair
    with a.server.client(rows_a.user_key) as member_a, b.server.client(rows_b.user_key) as member_b:
        me_a, me_b = ok(member_a.get("/api/me")), ok(member_b.get("/api/me"))
    assert me_a["email"] == me_b["email"] == "same@example.com"
    assert (me_a["id"], me_b["id"]) == (rows_a.user_id, rows_b.user_id)
    with b.owner() as api:
        ok(api.patch(f"/api/users/{rows_b.user_id}", json={"name": "Only B"}))
    with a.owner() as api:
        names = {u["id"]: u["name"] for u in ok(api.get("/api/users"))}
    assert names[rows_a.user_id] != "Only B"


def test_deleting_in_one_workspace_leaves_the_other_alone(
    pair: tuple[Workspace, Rows, Workspace, Rows],
) -> None:
    a, rows_a, b, rows_b = pair
    with a.owner() as api:
        ok(api.put("/api/me/default-model", json={"model_id": rows_a.model["id"]}))
    with b.owner() as api:
        ok(api.put("/api/me/default-model", json={"model_id": rows_b.model["id"]}))
        ok(api.delete(f"/api/assistants/{rows_b.assistant['id']}"), 204)
        ok(api.delete(f"/api/deployments/{rows_b.deployment['id']}"), 204)
        ok(api.delete(f"/api/models/{rows_b.model['id']}"), 204)
        ok(api.delete(f"/api/model-keys/{rows_b.key['id']}"), 204)
        ok(api.delete(f"/api/api-keys/{rows_b.api_key_id}"), 204)
    with a.owner() as api:
        assert ok(api.get("/api/me/default-model")) == {
            "model_id": rows_a.model["id"],
            "slug": rows_a.model["slug"],
        }
        assert ok(api.get("/api/assistants")) == [rows_a.assistant]
        assert ok(api.get(f"/api/model-keys/{rows_a.key['id']}"))["used_by"] != []
    with a.server.client(rows_a.user_key) as member:
        ok(member.get("/api/me"))
