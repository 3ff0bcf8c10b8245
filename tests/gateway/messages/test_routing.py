"""``/v1/messages`` goes through the same budgets and fallbacks as chat."""

from __future__ import annotations

import anthropic
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.messages.support import claude, sent
from tests.gateway.setup import add_model
from tests.support import Workspace, ok
from tests.usage import stored_rows

HELLO = [{"role": "user", "content": "hello"}]


def test_a_failing_claude_falls_back_to_gemini(ws: Workspace, fake: FakeProvider) -> None:
    primary = add_model(ws, fake, provider="anthropic", identifier="fail-529")
    fallback = add_model(ws, fake, provider="google", identifier=f"fallback-{ws.id[-6:]}")
    with ws.owner() as api:
        ok(api.put(f"/api/models/{primary['id']}/fallbacks", json={"fallbacks": [fallback["id"]]}))
    with claude(ws) as client:
        raw = client.messages.with_raw_response.create(
            model=primary["slug"], max_tokens=50, messages=HELLO
        )
    assert raw.headers["x-modelyard-model"] == fallback["slug"]
    assert raw.parse().content[0].text == "Echo: hello"  # type: ignore[union-attr]
    assert len(sent(fake, fallback)) == 1


def test_a_blocking_budget_is_a_rate_limit_error(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, provider="anthropic", identifier=f"budget-{ws.id[-6:]}")
    member, key = ws.add_user()
    with ws.owner() as api:
        body = {"scope": "user", "scope_id": member, "amount_usd": "0.01", "period": "day"}
        ok(api.post("/api/budgets", json=body), 201)
    with claude(ws, key=key) as client, pytest.raises(anthropic.RateLimitError) as refused:
        client.messages.create(model=model["slug"], max_tokens=4000, messages=HELLO)
    error = refused.value.response.json()["error"]
    assert error["type"] == "rate_limit_error" and "budget" in error["message"].lower()
    assert 1 <= int(refused.value.response.headers["retry-after"]) <= 25 * 3600
    assert sent(fake, model) == []
    (record,) = stored_rows(ws.server, 1, user_id=member)
    assert (record.endpoint, record.status) == ("messages", 429)
