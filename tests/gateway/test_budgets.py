"""Budgets on /v1 through real HTTP and the official SDK: a block is a 429 ``budget_exceeded``
naming the scope and when it resets; ``fallback`` is answered by the fallback model and
recorded why; every applying budget is checked (the tightest wins); admins are held too."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import Workspace, error_of, ok
from tests.usage import stored_rows

HELLO: Any = [{"role": "user", "content": "hello"}]
# A call's estimate with the test models' prices (input 2, output 8 per 1M tokens) and their
# max output of 4000 tokens is about 0.032 USD: a budget of 0.01 has no room for one.
TOO_SMALL = "0.01"
ROOMY = "100"


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    close_clients()


def _budget(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"scope": "workspace", "amount_usd": ROOMY, "period": "day"} | fields
    return ok(api.post("/api/budgets", json=body), 201)  # type: ignore[no-any-return]


def _refused(ws: Workspace, key: str, model: str) -> tuple[dict[str, Any], httpx.Headers]:
    with ws.server.client(key) as client:
        response = client.post("/v1/chat/completions", json={"model": model, "messages": HELLO})
    return error_of(response, 429), response.headers


def test_a_block_is_a_429_naming_the_scope_and_the_reset(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake)
    member, key = ws.add_user()
    with ws.owner() as api:
        _budget(api, scope="user", scope_id=member, amount_usd=TOO_SMALL)
    with pytest.raises(openai.RateLimitError) as raised:
        sdk(ws, key).chat.completions.create(model=model["slug"], messages=HELLO)
    body = raised.value.body
    assert isinstance(body, dict)
    assert body["type"] == "budget_exceeded" and body["code"] == "budget_exceeded"
    assert "your budget" in body["message"].lower() and "resets at" in body["message"]
    retry = int(raised.value.response.headers["retry-after"])
    assert 1 <= retry <= 25 * 3600
    (record,) = stored_rows(ws.server, 1, workspace_id=ws.id, user_id=member)
    assert record.status == 429 and record.cost_usd == 0  # refused before any upstream call


def test_a_total_budget_never_resets(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake)
    with ws.owner() as api:
        _budget(api, amount_usd=TOO_SMALL, period="total")
    error, headers = _refused(ws, ws.owner_key, model["slug"])
    assert "never resets" in error["message"]
    assert "the workspace's budget" in error["message"].lower()
    # Waiting does not help: no Retry-After for a client to honour for ever.
    assert "retry-after" not in headers


def test_settled_spend_exhausts_a_budget(ws: Workspace, fake: FakeProvider) -> None:
    # An embedding of a few tokens costs less than a micro-dollar: counted as one.
    embed = add_model(ws, fake, kind="embedding", identifier="fake-embed")
    member, key = ws.add_user()
    with ws.owner() as api:
        _budget(api, scope="user", scope_id=member, amount_usd="0.000002")
    client = sdk(ws, key)
    client.embeddings.create(model=embed["slug"], input="one")
    client.embeddings.create(model=embed["slug"], input="two")
    with pytest.raises(openai.RateLimitError) as raised:
        client.embeddings.create(model=embed["slug"], input="three")
    assert raised.value.code == "budget_exceeded"
    rows = stored_rows(ws.server, 3, workspace_id=ws.id, user_id=member)
    assert [r.status for r in rows] == [200, 200, 429]


def test_fallback_is_answered_by_the_fallback_model(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, display_name="Dear")
    # Priced, its output allowance alone over the budget: past a fallback budget it answers.
    cheap = add_model(ws, fake, display_name="Cheap", input_price=1, output_price=4)
    member, key = ws.add_user()
    with ws.owner() as api:
        budget = _budget(
            api,
            scope="user",
            scope_id=member,
            amount_usd=TOO_SMALL,
            on_exceed="fallback",
            fallback_model_id=cheap["id"],
        )
    for stream in (False, True):
        raw = sdk(ws, key).chat.completions.with_raw_response.create(
            model=model["slug"], messages=HELLO, stream=stream
        )  # type: ignore[call-overload]
        assert raw.headers["x-modelyard-model"] == cheap["slug"]
        raw.parse()
    records = stored_rows(ws.server, 2, workspace_id=ws.id, user_id=member)
    assert [r.model_id for r in records] == [cheap["id"], cheap["id"]]
    for record in records:
        assert record.status == 200
        assert record.fallback_path[0] == f"budget:{budget['id']}"
        assert record.fallback_path[-1].startswith(f"{cheap['slug']}/")


def test_a_blocking_budget_still_refuses_the_fallback(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, display_name="Dear")
    cheap = add_model(ws, fake, display_name="Cheap", input_price=1, output_price=4)
    member, key = ws.add_user()
    with ws.owner() as api:
        _budget(
            api,
            scope="user",
            scope_id=member,
            amount_usd=TOO_SMALL,
            on_exceed="fallback",
            fallback_model_id=cheap["id"],
        )
        _budget(api, scope="workspace", amount_usd=TOO_SMALL, on_exceed="block")
    error, _ = _refused(ws, key, model["slug"])
    assert error["type"] == "budget_exceeded" and "workspace" in error["message"]


def test_every_applying_budget_is_checked_and_the_tightest_wins(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = add_model(ws, fake)
    member, _ = ws.add_user()
    with ws.owner() as api:
        group = ok(api.post("/api/groups", json={"name": "Sales"}), 201)
        ok(api.put(f"/api/groups/{group['id']}/members", json={"user_ids": [member]}))
        key = ok(api.post(f"/api/users/{member}/api-keys", json={"name": "laptop"}), 201)
        budgets = {
            "workspace": _budget(api),
            "user": _budget(api, scope="user", scope_id=member),
            "group": _budget(api, scope="group", scope_id=group["id"]),
            "api_key": _budget(api, scope="api_key", scope_id=key["id"]),
        }
    sdk(ws, key["key"]).chat.completions.create(model=model["slug"], messages=HELLO)
    words = {
        "workspace": "the workspace's budget",
        "user": "your budget",
        "group": "your group 'Sales' budget",
        "api_key": "the budget of api key 'laptop'",
    }
    for scope, budget in budgets.items():
        with ws.owner() as api:
            ok(api.patch(f"/api/budgets/{budget['id']}", json={"amount_usd": TOO_SMALL}))
        error, headers = _refused(ws, key["key"], model["slug"])
        assert words[scope].lower() in error["message"].lower()
        assert "retry-after" in headers
        with ws.owner() as api:
            ok(api.patch(f"/api/budgets/{budget['id']}", json={"amount_usd": ROOMY}))
    sdk(ws, key["key"]).chat.completions.create(model=model["slug"], messages=HELLO)


def test_an_admin_is_held_to_budgets_too(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake)
    with ws.owner() as api:
        _budget(api, scope="user", scope_id=ws.owner_id, amount_usd=TOO_SMALL)
    error, _ = _refused(ws, ws.owner_key, model["slug"])
    assert error["code"] == "budget_exceeded"
    admin, admin_key = ws.add_user("admin")
    with ws.owner() as api:
        _budget(api, scope="user", scope_id=admin, amount_usd=TOO_SMALL)
    error, _ = _refused(ws, admin_key, model["slug"])
    assert error["code"] == "budget_exceeded"


def test_a_settle_past_a_threshold_records_an_alert(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake)
    member, key = ws.add_user()
    with ws.owner() as api:
        # Room for the estimate (about 0.032 USD); the real cost of one short answer (tens of
        # micro-dollars) passes 0.01% of it but not 50%.
        budget = _budget(
            api, scope="user", scope_id=member, amount_usd="0.05", notify_at=["0.0001", "0.5"]
        )
    sdk(ws, key).chat.completions.create(model=model["slug"], messages=HELLO)
    deadline = time.monotonic() + 10
    with ws.owner() as api:
        while not (
            alerts := ok(api.get("/api/budgets/alerts", params={"budget_id": budget["id"]}))
        ):
            assert time.monotonic() < deadline, "no alert was recorded"
            time.sleep(0.05)
    (alert,) = alerts
    assert Decimal(alert["threshold"]) == Decimal("0.0001")
    (record,) = stored_rows(ws.server, 1, workspace_id=ws.id, user_id=member)
    assert Decimal(alert["spent_usd"]) >= record.cost_usd > 0
