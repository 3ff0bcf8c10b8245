"""A user deleted through SCIM keeps their usage history: the calls they made stay in the
usage report under their id and email (the row is kept, marked deleted)."""

from __future__ import annotations

import httpx

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.scim.conftest import Scim
from tests.scim.support import create_user, scim_ok
from tests.support import ok
from tests.usage import stored_rows


def test_deleting_keeps_the_users_usage(scim: Scim, api: httpx.Client, fake: FakeProvider) -> None:
    model = add_model(scim.ws, fake)
    user = create_user(api)
    with scim.ws.owner() as owner:
        key = ok(owner.post(f"/api/users/{user['id']}/api-keys", json={"name": "k"}), 201)["key"]
    with scim.ws.server.client(key) as gateway:
        body = {"model": model["slug"], "messages": [{"role": "user", "content": "hi"}]}
        ok(gateway.post("/v1/chat/completions", json=body))
    assert len(stored_rows(scim.ws.server, 1, user_id=user["id"])) == 1
    scim_ok(api.delete(f"/Users/{user['id']}"), 204)
    with scim.ws.server.client(key) as gateway:
        assert gateway.post("/v1/chat/completions", json=body).status_code == 401
    assert len(stored_rows(scim.ws.server, user_id=user["id"])) == 1
    with scim.ws.owner() as owner:
        report = ok(owner.get("/api/usage", params={"group_by": "user"}))
    rows = {row["key"]: row for row in report["rows"]}
    assert rows[user["id"]]["requests"] == 1, report
    assert rows[user["id"]]["label"] == user["userName"]
