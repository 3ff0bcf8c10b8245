"""Scoped API keys on the member's keys page, through real HTTP (no browser): a key limited to
one model and a day, listed with both, that calls that model and no other through the SDK;
bad scopes shown at their field with nothing created; expired keys marked."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import update

from modelyard.storage.tables import ApiKeyRow
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import ok
from tests.web.conftest import WebWorkspace
from tests.web.helpers import api_create, api_get, csrf_of, sign_in

PAGE = "/me/api-keys"
MESSAGES: Any = [{"role": "user", "content": "hello"}]


@pytest.fixture(autouse=True)
def _close_sdk_clients() -> Iterator[None]:
    yield
    close_clients()


@pytest.fixture
def member(web_ws: WebWorkspace) -> Iterator[httpx.Client]:
    """The member, signed in through the login form."""
    with httpx.Client(base_url=web_ws.base_url, timeout=30) as client:
        assert sign_in(client, web_ws.member_email).status_code == 303
        yield client


def _member_id(web_ws: WebWorkspace) -> str:
    users = api_get(web_ws.ws, "/api/users")
    return str(next(u["id"] for u in users if u["email"] == web_ws.member_email))


def _keys_of(web_ws: WebWorkspace) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = api_get(web_ws.ws, f"/api/users/{_member_id(web_ws)}/api-keys")
    return keys


def _restricted_model(web_ws: WebWorkspace, fake: FakeProvider) -> dict[str, Any]:
    """A visible model given only to a group the member is not in."""
    group = api_create(web_ws.ws, "/api/groups", {"name": "Board"})
    access = {"mode": "groups", "group_ids": [group["id"]]}
    return add_model(web_ws.ws, fake, display_name="Board Only", access=access)


def _create(client: httpx.Client, **fields: Any) -> httpx.Response:
    token = csrf_of(client.get(PAGE).text)
    return client.post(PAGE, data={"csrf": token, **fields})


def _row(page: str, key_id: str) -> str:
    found = re.search(rf'<tr id="api-key-{key_id}".*?</tr>', page, re.S)
    assert found, page
    return html.unescape(found.group(0))


def _error(page: str, error_id: str) -> str:
    found = re.search(rf'<p class="error" id="{error_id}">(.*?)</p>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


def test_a_scoped_key_is_listed_and_calls_only_its_model(
    web_ws: WebWorkspace, fake: FakeProvider, member: httpx.Client
) -> None:
    allowed = add_model(web_ws.ws, fake, display_name="Alpha")
    other = add_model(web_ws.ws, fake, display_name="Beta")
    restricted = _restricted_model(web_ws, fake)
    form = member.get(PAGE).text
    assert f'value="{allowed["id"]}"' in form and f'value="{other["id"]}"' in form
    assert restricted["id"] not in form  # only models the member may use are offered
    assert 'type="date"' in form and "23:59 UTC" in form

    day = (datetime.now(UTC) + timedelta(days=3)).date()
    created = _create(
        member, name="ci script", expires_at=day.isoformat(), model_ids=[allowed["id"]]
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    found = re.search(r'id="new-key" class="secret-once" value="([^"]+)"', created.text)
    assert found
    plain = found.group(1)
    [stored] = _keys_of(web_ws)
    assert stored["name"] == "ci script" and stored["model_ids"] == [allowed["id"]]
    expires = datetime.fromisoformat(stored["expires_at"])
    assert (expires.date(), expires.hour, expires.minute) == (day, 23, 59)

    row = _row(member.get(PAGE).text, stored["id"])
    assert f"{day.isoformat()} 23:59 UTC" in row
    assert allowed["slug"] in row and other["slug"] not in row
    assert re.search(r'class="key-last-used">never<', row) and "Active" in row
    assert plain not in member.get(PAGE).text

    client = sdk(web_ws.ws, plain)
    assert client.chat.completions.create(model=allowed["slug"], messages=MESSAGES).choices
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(model=other["slug"], messages=MESSAGES)
    assert refused.value.status_code == 403 and "'ci script'" in refused.value.message

    web_ws.ws.server.services.config.key_activity.flush()
    used = _row(member.get(PAGE).text, stored["id"])
    assert re.search(
        r'class="key-last-used"><time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC', used
    )


def test_an_unscoped_key_says_never_and_all(
    web_ws: WebWorkspace, fake: FakeProvider, member: httpx.Client
) -> None:
    model = add_model(web_ws.ws, fake)
    assert _create(member, name="laptop").status_code == 201
    [stored] = _keys_of(web_ws)
    assert stored["expires_at"] is None and stored["model_ids"] is None
    row = _row(member.get(PAGE).text, stored["id"])
    assert re.search(r'class="key-expires">never<', row) and re.search(
        r'class="key-models">all<', row
    )
    assert model["slug"] not in row


def test_a_past_day_is_refused_at_its_field_and_creates_nothing(
    web_ws: WebWorkspace, fake: FakeProvider, member: httpx.Client
) -> None:
    model = add_model(web_ws.ws, fake)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    refused = _create(member, name="old", expires_at=yesterday, model_ids=[model["id"]])
    assert refused.status_code == 422
    assert "'expires_at' must be in the future" in _error(refused.text, "key-expires-error")
    # What was typed is still there, so only the day needs fixing.
    assert f'value="{yesterday}"' in refused.text and 'value="old"' in refused.text
    assert re.search(rf'value="{model["id"]}"\s+checked', refused.text)
    assert 'id="new-key"' not in refused.text
    assert _keys_of(web_ws) == []

    garbled = _create(member, expires_at="next tuesday")
    assert garbled.status_code == 422 and "datetime" in _error(garbled.text, "key-expires-error")
    assert _keys_of(web_ws) == []


def test_today_is_allowed_it_ends_tonight(web_ws: WebWorkspace, member: httpx.Client) -> None:
    today = datetime.now(UTC).date()
    assert _create(member, expires_at=today.isoformat()).status_code == 201
    [stored] = _keys_of(web_ws)
    assert datetime.fromisoformat(stored["expires_at"]).date() == today


def test_a_model_the_member_may_not_use_is_refused_at_its_field(
    web_ws: WebWorkspace, fake: FakeProvider, member: httpx.Client
) -> None:
    usable = add_model(web_ws.ws, fake)
    restricted = _restricted_model(web_ws, fake)
    for model_id in (restricted["id"], "mdl_made_up"):
        refused = _create(member, name="sneaky", model_ids=[usable["id"], model_id])
        assert refused.status_code == 422
        # A model the member may not use is as unknown to them as a made-up one.
        assert _error(refused.text, "key-models-error") == (
            f"No model with id '{model_id}' in this workspace."
        )
        assert "Board Only" not in refused.text
    assert _keys_of(web_ws) == []


def test_an_expired_key_is_marked(web_ws: WebWorkspace, member: httpx.Client) -> None:
    assert _create(member, name="brief").status_code == 201
    [stored] = _keys_of(web_ws)
    services = web_ws.ws.server.services
    with services.session() as db:
        db.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == stored["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(hours=1))
        )
        db.commit()
    row = _row(member.get(PAGE).text, stored["id"])
    assert 'class="expired"' in row and '<span class="badge bad">Expired</span>' in row
    assert "Active" not in row
    with web_ws.ws.owner() as api:
        assert ok(api.get("/v1/models"))  # the owner's own key is untouched


def test_a_model_taken_away_later_is_named_by_id_only(
    web_ws: WebWorkspace, fake: FakeProvider, member: httpx.Client
) -> None:
    kept = add_model(web_ws.ws, fake, display_name="Kept")
    gone = add_model(web_ws.ws, fake, display_name="Secret Project")
    assert _create(member, model_ids=[kept["id"], gone["id"]]).status_code == 201
    with web_ws.ws.owner() as api:
        ok(api.patch(f"/api/models/{gone['id']}", json={"visible": False}))
    [stored] = _keys_of(web_ws)
    row = _row(member.get(PAGE).text, stored["id"])
    assert kept["slug"] in row and f"{gone['id']}</code> (no longer available to you)" in row
    assert gone["slug"] not in row and "Secret Project" not in row
