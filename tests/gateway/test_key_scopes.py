"""Scoped API keys, end to end: keys issued through ``/api``, calls with the OpenAI SDK.

An expired key is a 401; a key limited to some models gets a 403 naming it on the others and
lists only its own models; ``last_used_at`` shows once the gateway's notes are written.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import openai
import pytest
from sqlalchemy import update

from modelyard.storage.tables import ApiKeyRow
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace, error_of, ok

MESSAGES: Any = [{"role": "user", "content": "hello"}]


def _issue(ws: Workspace, user_id: str, **body: Any) -> dict[str, Any]:
    with ws.owner() as api:
        issued: dict[str, Any] = ok(api.post(f"/api/users/{user_id}/api-keys", json=body), 201)
    return issued


def test_a_key_limited_to_one_model(ws: Workspace, fake: FakeProvider) -> None:
    member, _ = ws.add_user()
    a = add_model(ws, fake, display_name="Model A")
    b = add_model(ws, fake, display_name="Model B")
    key = _issue(ws, member, name="only-a", model_ids=[a["id"]])
    client = sdk(ws, key["key"])
    assert {m.id for m in client.models.list()} == {a["slug"]}
    assert client.chat.completions.create(model=a["slug"], messages=MESSAGES).choices
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(model=b["slug"], messages=MESSAGES)
    body: Any = refused.value.body
    assert body["code"] == "model_not_allowed_for_key" and body["param"] == "model"
    assert "'only-a'" in body["message"] and b["slug"] in body["message"]
    with ws.server.client(key["key"]) as http:
        assert error_of(http.get(f"/v1/models/{b['slug']}"), 404)
    # The same member's unscoped key calls both.
    wide = _issue(ws, member, name="all")
    assert {m.id for m in sdk(ws, wide["key"]).models.list()} == {a["slug"], b["slug"]}


def test_an_expired_key_is_a_401(ws: Workspace, fake: FakeProvider) -> None:
    member, _ = ws.add_user()
    model = add_model(ws, fake)
    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    key = _issue(ws, member, name="brief", expires_at=soon.isoformat())
    assert datetime.fromisoformat(key["expires_at"]) == soon.replace(microsecond=soon.microsecond)
    client = sdk(ws, key["key"])
    assert client.chat.completions.create(model=model["slug"], messages=MESSAGES).choices
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    with pytest.raises(openai.AuthenticationError) as refused:
        client.chat.completions.create(model=model["slug"], messages=MESSAGES)
    assert refused.value.body["code"] == "expired_api_key"  # type: ignore[index]
    with ws.server.client(key["key"]) as http:
        assert error_of(http.get("/v1/models"), 401)["code"] == "expired_api_key"
        assert error_of(http.get("/api/me"), 401)["code"] == "expired_api_key"


def test_a_key_expired_in_the_database_is_refused(ws: Workspace, fake: FakeProvider) -> None:
    """Expiry set in the past behind the API's back (the API refuses past dates): refused on
    the next call once the change is seen, like any configuration change."""
    member, _ = ws.add_user()
    key = _issue(ws, member, name="k")
    assert sdk(ws, key["key"]).models.list()
    services = ws.server.services
    with services.session() as db:
        db.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(days=1))
        )
        db.commit()
    services.config.invalidate()
    with ws.server.client(key["key"]) as http:
        assert error_of(http.get("/v1/models"), 401)["code"] == "expired_api_key"


def test_last_used_at_after_a_call_and_a_flush(ws: Workspace, fake: FakeProvider) -> None:
    member, member_key = ws.add_user()
    model = add_model(ws, fake)
    key = _issue(ws, member, name="tracked")
    with ws.owner() as api:
        listed = ok(api.get(f"/api/users/{member}/api-keys"))
    assert {k["id"]: k["last_used_at"] for k in listed}[key["id"]] is None
    before = datetime.now(UTC) - timedelta(seconds=1)
    sdk(ws, key["key"]).chat.completions.create(model=model["slug"], messages=MESSAGES)
    ws.server.services.config.key_activity.flush()
    with ws.server.client(member_key) as me:
        mine = {k["id"]: k for k in ok(me.get("/api/me/api-keys"))}
    used = mine[key["id"]]["last_used_at"]
    assert used is not None and before <= datetime.fromisoformat(used) <= datetime.now(UTC)
    assert set(mine[key["id"]]) >= {"name", "prefix", "created_at", "expires_at", "model_ids"}
    assert "key" not in mine[key["id"]] and "key_hash" not in mine[key["id"]]


def test_a_revoked_key_fails_on_the_next_call(ws: Workspace, fake: FakeProvider) -> None:
    member, member_key = ws.add_user()
    key = _issue(ws, member, name="gone")
    assert sdk(ws, key["key"]).models.list()
    with ws.server.client(member_key) as me:
        ok(me.delete(f"/api/api-keys/{key['id']}"), 204)
    with ws.server.client(key["key"]) as http:
        assert error_of(http.get("/v1/models"), 401)["code"] == "invalid_api_key"
