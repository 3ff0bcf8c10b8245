"""``/api/usage`` and its CSV export, through HTTP, after real calls with the OpenAI SDK."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import openai
import pytest

from modelyard.testing import FakeProvider
from modelyard.usage.reports import EXPORT_COLUMNS
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import RunningServer, Workspace, error_of, new_workspace, ok
from tests.usage import stored_rows

MILLION = Decimal(1_000_000)
PRICES_A = {"input_price": "2", "output_price": "8", "cache_read_price": "0.5"}
PRICES_B = {"input_price": "0.15", "output_price": "0.6", "cache_read_price": "0.075"}


def _cost(answer: Any, prices: dict[str, str]) -> Decimal:
    """What a call must cost: its tokens times the model's prices, exactly."""
    cached = answer.usage.prompt_tokens_details.cached_tokens or 0
    return (
        (answer.usage.prompt_tokens - cached) * Decimal(prices["input_price"])
        + cached * Decimal(prices["cache_read_price"])
        + answer.usage.completion_tokens * Decimal(prices["output_price"])
    ) / MILLION


def _chat(client: openai.OpenAI, slug: str, text: str) -> Any:
    return client.chat.completions.create(model=slug, messages=[{"role": "user", "content": text}])


def _report(ws: Workspace, **query: str) -> dict[str, Any]:
    with ws.owner() as api:
        return ok(api.get("/api/usage", params=query))  # type: ignore[no-any-return]


def _by_key(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in report["rows"]}


@pytest.fixture(scope="module")
def traffic(server: RunningServer, fake: FakeProvider) -> Iterator[dict[str, Any]]:
    """One workspace per backend for the read-only tests: two models, two users, five answered
    calls and one failed; with what the reports must show."""
    ws = new_workspace(server)
    model_a = add_model(ws, fake, identifier="fake-cache-a", **PRICES_A)
    model_b = add_model(ws, fake, identifier="fake-cache-b", **PRICES_B)
    broken = add_model(ws, fake, identifier="fail-500", **PRICES_B)
    member_id, member_key = ws.add_user("member", email="m@example.com")
    owner, member = sdk(ws), sdk(ws, member_key)
    costs = {model_a["id"]: Decimal(0), model_b["id"]: Decimal(0)}
    users = {ws.owner_id: Decimal(0), member_id: Decimal(0)}
    for client, user, model, prices, text in (
        (owner, ws.owner_id, model_a, PRICES_A, "one two three"),
        (owner, ws.owner_id, model_a, PRICES_A, "four five six seven eight"),
        (owner, ws.owner_id, model_b, PRICES_B, "nine"),
        (member, member_id, model_a, PRICES_A, "ten eleven"),
        (member, member_id, model_b, PRICES_B, "twelve thirteen fourteen fifteen sixteen"),
    ):
        cost = _cost(_chat(client, model["slug"], text), prices)
        costs[model["id"]] += cost
        users[user] += cost
    with pytest.raises(openai.APIStatusError):
        _chat(member, broken["slug"], "x")
    close_clients()
    assert len(stored_rows(ws.server, 6, workspace_id=ws.id)) == 6
    with ws.owner() as api:
        owner_email = ok(api.get("/api/me"))["email"]
    yield {
        "ws": ws,
        "models": (model_a, model_b, broken),
        "costs": costs,
        "users": users,
        "member": (member_id, member_key),
        "emails": {ws.owner_id: owner_email, member_id: "m@example.com"},
    }


def test_grouped_each_way_with_exact_costs(traffic: dict[str, Any]) -> None:
    ws = traffic["ws"]
    model_a, model_b, broken = traffic["models"]
    total = sum(traffic["costs"].values(), Decimal(0))

    by_user = _report(ws, group_by="user")
    rows = _by_key(by_user)
    assert set(rows) == set(traffic["users"])
    for user_id, cost in traffic["users"].items():
        assert Decimal(rows[user_id]["cost_usd_exact"]) == cost
        assert rows[user_id]["cost_usd"] == float(cost)
        assert rows[user_id]["label"] == traffic["emails"][user_id]
    member_id, _key = traffic["member"]
    assert (rows[member_id]["requests"], rows[member_id]["errors"]) == (3, 1)
    assert (rows[ws.owner_id]["requests"], rows[ws.owner_id]["errors"]) == (3, 0)

    by_model = _by_key(_report(ws, group_by="model"))
    assert {key: row["label"] for key, row in by_model.items()} == {
        m["id"]: m["slug"] for m in (model_a, model_b, broken)
    }
    for model_id, cost in traffic["costs"].items():
        assert Decimal(by_model[model_id]["cost_usd_exact"]) == cost
    assert by_model[broken["id"]]["cost_usd_exact"] == "0" and by_model[broken["id"]]["errors"] == 1
    assert by_model[model_a["id"]]["cache_read_tokens"] > 0

    by_deployment = _by_key(_report(ws, group_by="deployment"))
    deployment_a = model_a["deployments"][0]["id"]
    assert by_deployment[deployment_a]["requests"] == 3
    assert Decimal(by_deployment[deployment_a]["cost_usd_exact"]) == traffic["costs"][model_a["id"]]

    by_day = _report(ws, group_by="day")
    today = datetime.now(UTC).date().isoformat()
    assert [(row["key"], row["label"]) for row in by_day["rows"]] == [(today, today)]

    stored = stored_rows(ws.server, workspace_id=ws.id)
    for report in (by_user, by_day):
        totals = report["totals"]
        assert Decimal(totals["cost_usd_exact"]) == total
        assert totals["requests"] == 6 and totals["errors"] == 1
        assert totals["input_tokens"] == sum(row.input_tokens for row in stored)
        assert totals["output_tokens"] == sum(row.output_tokens for row in stored)


def test_a_price_change_does_not_rewrite_history(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fake-cache-p", **PRICES_A)
    first = _cost(_chat(sdk(ws), model["slug"], "old prices"), PRICES_A)
    stored_rows(ws.server, 1, workspace_id=ws.id)
    before = _by_key(_report(ws, group_by="model"))[model["id"]]
    assert Decimal(before["cost_usd_exact"]) == first
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{model['id']}", json={"input_price": 20, "output_price": 80}))
    after = _by_key(_report(ws, group_by="model"))[model["id"]]
    assert after["cost_usd_exact"] == before["cost_usd_exact"]

    new_prices = {**PRICES_A, "input_price": "20", "output_price": "80"}
    second = _cost(_chat(sdk(ws), model["slug"], "new prices now"), new_prices)
    close_clients()
    stored_rows(ws.server, 2, workspace_id=ws.id)
    latest = _by_key(_report(ws, group_by="model"))[model["id"]]
    assert Decimal(latest["cost_usd_exact"]) == first + second != first * 2


def test_csv_export(traffic: dict[str, Any]) -> None:
    ws = traffic["ws"]
    with ws.owner() as api:
        response = api.get("/api/usage/export.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    table = list(csv.reader(io.StringIO(response.text)))
    assert tuple(table[0]) == EXPORT_COLUMNS
    lines = [dict(zip(EXPORT_COLUMNS, line, strict=True)) for line in table[1:]]
    assert len(lines) == 6
    assert sum(Decimal(line["cost_usd"]) for line in lines) == sum(
        traffic["costs"].values(), Decimal(0)
    )
    member_id, _key = traffic["member"]
    failed = [line for line in lines if line["status"] != "200"]
    assert len(failed) == 1 and failed[0]["user_id"] == member_id and failed[0]["error"]
    assert failed[0]["user_email"] == "m@example.com" and failed[0]["cost_usd"] == "0"
    model_a = traffic["models"][0]
    first = lines[0]
    assert (first["model_id"], first["model_slug"]) == (model_a["id"], model_a["slug"])
    assert (first["input_price"], first["output_price"], first["stream"]) == ("2", "8", "false")
    assert datetime.fromisoformat(first["started_at"]).tzinfo is not None
    assert first["deployment_id"] == model_a["deployments"][0]["id"]


def test_time_range(traffic: dict[str, Any]) -> None:
    ws = traffic["ws"]
    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _report(ws, group_by="day", **{"from": tomorrow, "to": tomorrow})["rows"] == []
    whole_day = _report(ws, group_by="day", **{"from": today.isoformat(), "to": today.isoformat()})
    assert whole_day["totals"]["requests"] == 6
    assert whole_day["from"] == f"{today.isoformat()}T00:00:00+00:00"
    assert whole_day["to"] == f"{tomorrow}T00:00:00+00:00"
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _report(ws, **{"from": an_hour_ago})["totals"]["requests"] == 6
    assert _report(ws, **{"to": an_hour_ago})["totals"]["requests"] == 0
    with ws.owner() as api:
        empty = api.get("/api/usage/export.csv", params={"from": tomorrow, "to": tomorrow})
    assert empty.status_code == 200 and len(empty.text.strip().splitlines()) == 1


def test_members_are_refused(traffic: dict[str, Any]) -> None:
    ws = traffic["ws"]
    _member_id, member_key = traffic["member"]
    with ws.server.client(member_key) as api:
        error_of(api.get("/api/usage", params={"group_by": "user"}), 403)
        error_of(api.get("/api/usage/export.csv"), 403)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"from": "2025-05-02", "to": "2025-05-01"}, "from"),
        ({"group_by": "week"}, "group_by"),
    ],
)
def test_bad_queries_name_the_field(ws: Workspace, query: dict[str, str], param: str) -> None:
    with ws.owner() as api:
        assert error_of(api.get("/api/usage", params=query), 422)["param"] == param
        if param != "group_by":
            assert error_of(api.get("/api/usage/export.csv", params=query), 422)["param"] == param
