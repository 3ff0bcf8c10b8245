"""Scopes refused at issue time, through ``/api``: an expiry not in the future and a model the
holder may not use are 422s naming the field, and nothing is written (no key, no audit row).
A member hears that a model they may not use does not exist; an admin issuing for them hears why.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace, error_of, new_workspace, ok


def _created_keys(api: httpx.Client) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = ok(api.get("/api/audit", params={"action": "api_key.create"}))
    return rows


def _refused(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return error_of(api.post(path, json=body), 422)


def test_an_expiry_not_in_the_future_is_a_422_naming_it(ws: Workspace) -> None:
    member, member_key = ws.add_user()
    with ws.owner() as owner:
        audited = len(_created_keys(owner))
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    naive_past = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    with ws.server.client(member_key) as me:
        before = ok(me.get("/api/me/api-keys"))
        for value in (past, naive_past, "2001-01-01"):
            error = _refused(me, "/api/me/api-keys", {"name": "x", "expires_at": value})
            assert (error["param"], error["code"]) == ("expires_at", "expiry_in_past")
            assert "'expires_at' must be in the future" in error["message"]
        garbled = _refused(me, "/api/me/api-keys", {"expires_at": "next week"})
        assert garbled["param"] == "expires_at" and "datetime" in garbled["message"]
        assert ok(me.get("/api/me/api-keys")) == before
    with ws.owner() as owner:
        error = _refused(owner, f"/api/users/{member}/api-keys", {"expires_at": past})
        assert error["param"] == "expires_at"
        assert len(_created_keys(owner)) == audited  # nothing half-written


def test_a_naive_future_expiry_is_utc(ws: Workspace) -> None:
    _, member_key = ws.add_user()
    with ws.server.client(member_key) as me:
        issued = ok(me.post("/api/me/api-keys", json={"expires_at": "2099-01-31T18:00"}), 201)
    assert datetime.fromisoformat(issued["expires_at"]) == datetime(2099, 1, 31, 18, tzinfo=UTC)


def test_unknown_and_unusable_models_are_a_422_naming_model_ids(
    ws: Workspace, fake: FakeProvider
) -> None:
    member, member_key = ws.add_user()
    usable = add_model(ws, fake, display_name="Open")
    hidden = add_model(ws, fake, display_name="Hidden", visible=False)
    with ws.owner() as owner:
        team = ok(owner.post("/api/groups", json={"name": "Team"}), 201)
        access = {"mode": "groups", "group_ids": [team["id"]]}
    restricted = add_model(ws, fake, display_name="Team only", access=access)
    elsewhere = add_model(new_workspace(ws.server), fake, display_name="Other workspace")
    with ws.owner() as owner:
        audited = len(_created_keys(owner))

    with ws.server.client(member_key) as me:
        before = ok(me.get("/api/me/api-keys"))
        for model in (hidden, restricted, elsewhere, {"id": "mdl_made_up"}):
            body = {"model_ids": [usable["id"], model["id"]]}
            error = _refused(me, "/api/me/api-keys", body)
            assert (error["param"], error["code"]) == ("model_ids", "unknown_model")
            # To the member, a model they may not use does not exist.
            assert error["message"] == f"No model with id '{model['id']}' in this workspace."
        empty = _refused(me, "/api/me/api-keys", {"model_ids": []})
        assert empty["param"] == "model_ids"
        assert ok(me.get("/api/me/api-keys")) == before

    path = f"/api/users/{member}/api-keys"
    with ws.owner() as owner:
        for model in (hidden, restricted):
            error = _refused(owner, path, {"model_ids": [model["id"]]})
            assert error["param"] == "model_ids"
            assert f"The user may not use the model '{model['id']}'" in error["message"]
        error = _refused(owner, path, {"model_ids": [elsewhere["id"]]})
        assert error["message"] == f"No model with id '{elsewhere['id']}' in this workspace."
        assert len(_created_keys(owner)) == audited

        # Once the member is in the group, the same request is fine; admins are never limited.
        ok(owner.put(f"/api/groups/{team['id']}/members", json={"user_ids": [member]}))
        ok(owner.post(path, json={"model_ids": [restricted["id"]]}), 201)
        own = ok(owner.post("/api/me/api-keys", json={"model_ids": [hidden["id"]]}), 201)
        assert own["model_ids"] == [hidden["id"]]
