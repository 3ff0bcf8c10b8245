"""What a failed call tells a member and what it tells an admin (issue 12, item 10).

Providers quote the caller in their errors (OpenAI's 401 names the masked key, every 404 names
the model identifier); routing knows deployment ids. None of that is a member's business: a
member reads which model failed and what to do, an admin (and the log) reads the rest.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace

MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "hello"}]


def _call(ws: Workspace, key: str, slug: str, *, stream: bool = False) -> httpx.Response:
    with ws.server.client(key) as client:
        return client.post(
            "/v1/chat/completions", json={"model": slug, "messages": MESSAGES, "stream": stream}
        )


@pytest.mark.parametrize(("identifier", "status"), [("fail-404", 502), ("fail-401", 502)])
def test_a_member_reads_the_model_and_what_to_do_an_admin_reads_the_detail(
    ws: Workspace, fake: FakeProvider, identifier: str, status: int
) -> None:
    model = add_model(ws, fake, identifier=identifier, display_name="Team Chat")
    _, member_key = ws.add_user()
    member = _call(ws, member_key, model["slug"])
    assert member.status_code == status
    message = member.json()["error"]["message"]
    assert model["slug"] in message and "admin" in message
    for internal in ("dep_", identifier, "Incorrect API key", "*"):
        assert internal not in message, message
    admin = _call(ws, ws.owner_key, model["slug"])
    assert admin.status_code == status
    detail = admin.json()["error"]["message"]
    assert "dep_" in detail and ("Incorrect API key" in detail or identifier in detail)


def test_a_provider_rejecting_the_request_is_not_quoted_to_members(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = add_model(ws, fake, identifier="fail-400")
    _, member_key = ws.add_user()
    body = _call(ws, member_key, model["slug"]).json()["error"]
    assert body["code"] == "upstream_bad_request"
    assert "Bad request." not in body["message"] and "dep_" not in body["message"]
    assert "Bad request." in _call(ws, ws.owner_key, model["slug"]).json()["error"]["message"]


def test_a_broken_stream_names_the_model_not_the_deployment(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = add_model(ws, fake, identifier="fail-cut")
    _, member_key = ws.add_user()
    response = _call(ws, member_key, model["slug"], stream=True)
    assert response.status_code == 200
    last = [event for event in response.text.split("\n\n") if event][-1]
    assert last.startswith('data: {"error"') and model["slug"] in last
    assert "dep_" not in last


def test_every_deployment_limited_keeps_the_trail_for_admins(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = add_model(ws, fake, identifier="fail-429")
    _, member_key = ws.add_user()
    member = _call(ws, member_key, model["slug"])
    assert member.status_code == 429 and "dep_" not in member.json()["error"]["message"]
    admin = _call(ws, ws.owner_key, model["slug"]).json()["error"]["message"]
    assert "tried" in admin and "dep_" in admin
