"""Model lifecycle (issue 17, item 7): a catalog refresh served from a local HTTP server
deprecates, then removes, the entry of a pre-configured model that an assistant, a member's
default, two fallback chains and a budget depend on. The model is marked, its dependents and
the successor listed, calls keep working after the removal on the last known prices, and the
one reviewed move changes every dependent, audited; stale or blocked moves change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from modelyard.testing import FakeProvider
from tests.catalog.lifecycle_setup import (
    NEXT,
    OLD,
    Dependents,
    depend_on_old,
    deprecating,
    lifecycle_server,
    preconfigured,
    refresh,
    removing,
    source,
    with_next,
)
from tests.catalog.refresh_source import CatalogSource, bundled_data
from tests.gateway.setup import close_clients, sdk
from tests.support import RunningServer, Workspace, error_of, new_workspace, ok
from tests.usage import stored_rows

__all__ = ["source"]  # the module's catalog server, a fixture


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, source: CatalogSource
) -> Iterator[RunningServer]:
    yield from lifecycle_server(request, tmp_path_factory.mktemp("lifecycle"), source)


def call(ws: Workspace, slug: str, key: str | None = None) -> str:
    """One chat call; the slug of the model that answered."""
    raw = sdk(ws, key).chat.completions.with_raw_response.create(
        model=slug, messages=[{"role": "user", "content": "hello there"}]
    )
    raw.parse()
    return raw.headers["x-modelyard-model"]


def listed(ws: Workspace, model_id: str) -> dict[str, Any]:
    with ws.owner() as api:
        (entry,) = [e for e in ok(api.get("/api/models/lifecycle")) if e["model"]["id"] == model_id]
    return entry  # type: ignore[no-any-return]


def names(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


def test_deprecate_remove_and_move_everything(
    server: RunningServer, source: CatalogSource, fake: FakeProvider
) -> None:
    ws = new_workspace(server)
    data = with_next(bundled_data())
    refresh(ws, source, data)
    dep: Dependents = depend_on_old(ws, fake)
    old, new = dep.old, dep.new
    with ws.owner() as api:
        assert ok(api.get("/api/models/lifecycle")) == []  # nothing retired yet

    data = deprecating(data, OLD)
    update = refresh(ws, source, data)
    assert update["status"] == "applied" and OLD in update["diff"]["deprecated"]
    entry = listed(ws, old["id"])
    assert entry["status"] == "deprecated" and entry["since"]
    successor = entry["successor"]
    assert successor["catalog_id"] == NEXT and successor["reason"] == "same_line"
    assert [m["id"] for m in successor["models"]] == [new["id"]]
    dependents = entry["dependents"]
    assert names(dependents["assistants"]) == [dep.assistant["name"]]
    assert [d["id"] for d in dependents["default_of_users"]] == [dep.member_id]
    assert {d["id"] for d in dependents["fallback_of"]} == {dep.other["id"], new["id"]}
    assert [d["id"] for d in dependents["budgets"]] == [dep.budget["id"]]
    assert call(ws, old["slug"]) == old["slug"]  # deprecated: still answers

    refresh(ws, source, removing(data, OLD))
    entry = listed(ws, old["id"])
    assert entry["status"] == "removed" and entry["since"]
    # The entry is gone from the catalog; its last data still names the line's successor.
    assert entry["successor"]["catalog_id"] == NEXT
    with ws.owner() as api:
        model = ok(api.get(f"/api/models/{old['id']}"))
        assert model["catalog_status"] == "removed"
        assert (model["input_price"], model["capabilities"]) == (
            old["input_price"],
            old["capabilities"],
        )
        assert ok(api.get(f"/api/models/{old['id']}/lifecycle")) == entry
    # A removed entry never breaks calls: the model answers on its last known prices.
    assert call(ws, old["slug"]) == old["slug"]
    assert call(ws, dep.assistant["slug"]) == old["slug"]
    close_clients()
    rows = stored_rows(ws.server, 3, workspace_id=ws.id, model_id=old["id"])
    assert len(rows) == 3
    assert {(r.status, r.input_price) for r in rows} == {(200, Decimal(str(old["input_price"])))}

    with ws.owner() as api:
        plan = ok(api.get(f"/api/models/{old['id']}/migration"))  # default target: the successor
        assert plan["target"]["id"] == new["id"] and plan["applied"] is False
        changes = {(c["kind"], c["id"]): c for c in plan["changes"]}
        assert set(changes) == {
            ("assistant", dep.assistant["id"]),
            ("user_default", dep.member_id),
            ("fallback", dep.other["id"]),
            ("fallback", new["id"]),
            ("budget_fallback", dep.budget["id"]),
        }
        assert changes[("fallback", new["id"])]["action"] == "drop"  # NEW can't fall back to NEW
        assert not [c for c in plan["changes"] if c["blocked"]]
        # Reviewing changed nothing.
        assert ok(api.get(f"/api/models/{dep.other['id']}"))["fallbacks"][0]["id"] == old["id"]

        stale = api.post(f"/api/models/{old['id']}/migrate", json={"plan_id": "0" * 24})
        assert error_of(stale, 409)["code"] == "plan_changed"
        done = ok(api.post(f"/api/models/{old['id']}/migrate", json={"plan_id": plan["plan_id"]}))
        assert done["applied"] is True and done["changes"] == plan["changes"]

        assistants = {a["id"]: a for a in ok(api.get("/api/assistants"))}
        assert assistants[dep.assistant["id"]]["model_id"] == new["id"]
        assert [f["id"] for f in ok(api.get(f"/api/models/{dep.other['id']}"))["fallbacks"]] == [
            new["id"]
        ]
        assert ok(api.get(f"/api/models/{new['id']}"))["fallbacks"] == []
        assert ok(api.get(f"/api/budgets/{dep.budget['id']}"))["fallback_model_id"] == new["id"]
        audit = ok(api.get("/api/audit", params={"action": "model.migrate"}))
        assert {(a["target_type"], a["target_id"]) for a in audit} == {
            ("model", old["id"]),
            ("assistant", dep.assistant["id"]),
            ("user", dep.member_id),
            ("model", dep.other["id"]),
            ("model", new["id"]),
            ("budget", dep.budget["id"]),
        }
        (summary,) = [a for a in audit if a["target_id"] == old["id"]]
        assert summary["details"]["to_model_id"] == new["id"]
        assert summary["details"]["plan_id"] == plan["plan_id"]
    with ws.server.client(dep.member_key) as member:
        assert ok(member.get("/api/me/default-model"))["model_id"] == new["id"]
    # The assistant answers from the successor now; the retired model still answers itself.
    assert call(ws, dep.assistant["slug"]) == new["slug"]
    assert call(ws, old["slug"]) == old["slug"]
    close_clients()
    entry = listed(ws, old["id"])
    assert all(not entry["dependents"][k] for k in ("assistants", "fallback_of", "budgets"))
    assert entry["dependents"]["default_of_users"] == []


def test_named_successor_blocked_and_refused_moves(
    server: RunningServer, source: CatalogSource, fake: FakeProvider
) -> None:
    ws = new_workspace(server)
    retiring, named = "openai/gpt-4.1", "openai/gpt-4.1-mini"
    data = bundled_data()
    refresh(ws, source, data)
    old = preconfigured(ws, fake, retiring)
    with ws.owner() as api:
        body = {"name": "Writer", "model_id": old["id"], "tools": ["canvas"]}
        assistant = ok(api.post("/api/assistants", json=body), 201)
    refresh(ws, source, deprecating(data, retiring, successor=named))
    entry = listed(ws, old["id"])
    assert entry["successor"]["catalog_id"] == named and entry["successor"]["reason"] == "named"
    assert entry["successor"]["models"] == []
    with ws.owner() as api:
        url = f"/api/models/{old['id']}/migration"
        error = error_of(api.get(url), 422)  # the successor is not set up here yet
        assert (error["param"], error["code"]) == ("target_model_id", "successor_not_set_up")
        error = error_of(api.get(url, params={"target_model_id": "mdl_nope"}), 422)
        assert error["param"] == "target_model_id"
        error = error_of(api.get(url, params={"target_model_id": old["id"]}), 422)
        assert error["code"] == "self"

    # Set up the successor, but not for assistants: the assistant's change is blocked.
    target = preconfigured(ws, fake, named, available_in_assistants=False)
    assert listed(ws, old["id"])["successor"]["models"][0]["id"] == target["id"]
    with ws.owner() as api:
        plan = ok(api.get(f"/api/models/{old['id']}/migration"))
        (change,) = plan["changes"]
        assert change["kind"] == "assistant" and "not available" in change["blocked"]
        refused = api.post(f"/api/models/{old['id']}/migrate", json={"plan_id": plan["plan_id"]})
        assert error_of(refused, 409)["code"] == "migration_blocked"
        assistants = {a["id"]: a for a in ok(api.get("/api/assistants"))}
        assert assistants[assistant["id"]]["model_id"] == old["id"]  # nothing changed
        assert ok(api.get("/api/audit", params={"action": "model.migrate"})) == []
        # Fixed, the plan changes (its id with it); the move goes through without a plan id.
        ok(api.patch(f"/api/models/{target['id']}", json={"available_in_assistants": True}))
        again = ok(api.get(f"/api/models/{old['id']}/migration"))
        assert again["plan_id"] != plan["plan_id"] and not again["changes"][0]["blocked"]
        done = ok(api.post(f"/api/models/{old['id']}/migrate", json={}))
        assert done["applied"] and done["target"]["id"] == target["id"]
        bad = api.post(f"/api/models/{old['id']}/migrate", json={"target": "x"})
        assert error_of(bad, 422)["param"] == "target"

    _, member_key = ws.add_user()
    with ws.server.client(member_key) as member:
        assert member.get("/api/models/lifecycle").status_code == 403
        assert member.post(f"/api/models/{old['id']}/migrate", json={}).status_code == 403
