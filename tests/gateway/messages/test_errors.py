"""Refusals on ``/v1/messages`` come in Anthropic's error shape, with the right status and
headers, so the anthropic SDK raises its own exception classes and Claude Code reads the type."""

from __future__ import annotations

from typing import Any

import anthropic
import orjson
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.messages.support import claude, model_on, sent
from tests.gateway.setup import add_model
from tests.support import Workspace

HELLO = [{"role": "user", "content": "hi"}]


def _error(exc: anthropic.APIStatusError) -> dict[str, Any]:
    body: dict[str, Any] = exc.response.json()
    assert body["type"] == "error" and body["request_id"] == exc.response.headers["x-request-id"]
    error: dict[str, Any] = body["error"]
    return error


def test_auth_model_and_field_errors(ws: Workspace, fake: FakeProvider) -> None:
    model = model_on(ws, fake, "openai", "errors")
    with (
        claude(ws, key="my-wrong-key") as client,
        pytest.raises(anthropic.AuthenticationError) as bad,
    ):
        client.messages.create(model=model["slug"], max_tokens=10, messages=HELLO)
    assert _error(bad.value)["type"] == "authentication_error"
    assert bad.value.response.headers["www-authenticate"].startswith("Bearer")
    with claude(ws) as client:
        with pytest.raises(anthropic.NotFoundError) as missing:
            client.messages.create(model="no-such-model", max_tokens=10, messages=HELLO)
        assert _error(missing.value)["type"] == "not_found_error"
        with pytest.raises(anthropic.BadRequestError) as refused:
            client.messages.create(
                model=model["slug"],
                max_tokens=10,
                messages=[{"role": "user", "content": [{"type": "video", "url": "x"}]}],  # type: ignore[list-item,misc]
            )
        error = _error(refused.value)
        assert error["type"] == "invalid_request_error"
        assert "messages[0].content[0].type" in error["message"]
        with pytest.raises(anthropic.BadRequestError) as top_k:
            client.messages.create(
                model=model["slug"], max_tokens=10, messages=HELLO, extra_body={"top_k": 5}
            )
        assert "'top_k'" in _error(top_k.value)["message"] and model["slug"] in str(top_k.value)
    assert sent(fake, model) == []  # nothing reached the upstream
    with ws.server.client() as anonymous:
        response = anonymous.post(
            "/v1/messages",
            headers={"x-api-key": ws.owner_key, "anthropic-version": "2023-06-01"},
            json={"model": model["slug"], "messages": HELLO},
        )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": "'max_tokens': is required.",
    }
    assert response.headers["request-id"] == response.headers["x-request-id"]


def test_upstream_refusals(ws: Workspace, fake: FakeProvider) -> None:
    limited = add_model(ws, fake, provider="anthropic", identifier="fail-429")
    broken = add_model(ws, fake, provider="google", identifier="fail-500")
    with claude(ws) as client:
        with pytest.raises(anthropic.RateLimitError) as rate:
            client.messages.create(model=limited["slug"], max_tokens=10, messages=HELLO)
        assert _error(rate.value)["type"] == "rate_limit_error"
        assert rate.value.response.headers["retry-after"] == "1"
        with pytest.raises(anthropic.InternalServerError) as failed:
            client.messages.create(model=broken["slug"], max_tokens=10, messages=HELLO)
        assert failed.value.status_code == 502 and _error(failed.value)["type"] == "api_error"
        with pytest.raises(anthropic.RateLimitError) as admin:
            client.messages.create(model=limited["slug"], max_tokens=10, messages=HELLO)
    assert "dep_" in _error(admin.value)["message"]  # owners see which deployments were tried
    _, member_key = ws.add_user()
    with claude(ws, key=member_key) as client, pytest.raises(anthropic.RateLimitError) as member:
        client.messages.create(model=limited["slug"], max_tokens=10, messages=HELLO)
    assert "dep_" not in _error(member.value)["message"]


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
def test_a_cut_stream_ends_with_an_error_event(
    ws: Workspace, fake: FakeProvider, provider: str
) -> None:
    model = add_model(ws, fake, provider=provider, identifier="fail-cut")
    with ws.server.client() as api:
        response = api.post(
            "/v1/messages",
            headers={"authorization": f"Bearer {ws.owner_key}", "anthropic-beta": "made-up-1"},
            json={
                "model": model["slug"],
                "max_tokens": 100,
                "stream": True,
                "messages": [{"role": "user", "content": "a b c d e f g h i j k l"}],
            },
        )
    assert response.status_code == 200
    events = [block.split("\n") for block in response.text.strip().split("\n\n") if block.strip()]
    kinds = [lines[0].removeprefix("event: ") for lines in events]
    assert kinds[0] == "message_start" and kinds[-1] == "error"
    assert "message_stop" not in kinds
    last = orjson.loads(events[-1][1].removeprefix("data: "))
    assert last["type"] == "error" and last["error"]["type"] == "api_error"
