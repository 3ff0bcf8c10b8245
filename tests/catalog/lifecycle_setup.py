"""A workspace with a pre-configured model that everything depends on, and the catalogs that
deprecate, then remove, its entry: shared by the lifecycle's API and page tests."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modelyard.testing import FakeProvider
from tests.catalog.refresh_source import CatalogSource
from tests.catalog.test_refresh import refresh_settings
from tests.gateway.setup import add_key, add_model
from tests.support import RunningServer, Workspace, ok, postgres_database, running_server

OLD = "openai/gpt-4o"
NEXT = "openai/gpt-4o-next"  # a newer entry of the same line ("gpt"), added by the test


def with_next(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` plus NEXT, the newest current entry of OLD's model line."""
    out = json.loads(json.dumps(data))
    (old,) = [e for e in out["entries"] if e["id"] == OLD]
    assert old["family"] == "gpt"
    out["entries"].append(
        old
        | {
            "id": NEXT,
            "provider_model_name": "gpt-4o-next",
            "display_name": "GPT-4o Next",
            "release_date": "2099-01-01",
            "deprecated": False,
        }
    )
    out["version"] = f"next-{secrets.token_hex(3)}"
    return out


def deprecating(data: dict[str, Any], entry_id: str, **fields: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(data))
    (entry,) = [e for e in out["entries"] if e["id"] == entry_id]
    entry.update(deprecated=True, **fields)
    out["version"] = f"deprecated-{secrets.token_hex(3)}"
    return out


def removing(data: dict[str, Any], entry_id: str) -> dict[str, Any]:
    out = json.loads(json.dumps(data))
    out["entries"] = [e for e in out["entries"] if e["id"] != entry_id]
    out["version"] = f"removed-{secrets.token_hex(3)}"
    return out


def refresh(ws: Workspace, source: CatalogSource, data: dict[str, Any]) -> dict[str, Any]:
    source.serve(data)
    deadline = time.monotonic() + 30
    with ws.owner() as api:
        # A new server refreshes once as it starts: wait for that one to finish (409 meanwhile).
        while (answer := api.post("/api/catalog/refresh")).status_code == 409:
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.1)
        update = ok(answer)
    # The server's own first refresh (at start) may have got there first: "unchanged".
    assert update["status"] in ("applied", "unchanged"), update
    assert update["new_version"] == data["version"], update
    return update  # type: ignore[no-any-return]


@dataclass
class Dependents:
    """OLD's model and everything on it: an assistant, a member's default, a manual model and
    NEW (whose chains fall back to OLD) and a budget falling back to it."""

    old: dict[str, Any]
    new: dict[str, Any]
    other: dict[str, Any]
    assistant: dict[str, Any]
    member_id: str
    member_key: str
    budget: dict[str, Any]


def preconfigured(ws: Workspace, fake: FakeProvider, catalog_id: str, **fields: Any) -> Any:
    key = add_key(ws, fake, "openai")
    with ws.owner() as api:
        body = {"kind": "completion", "catalog_id": catalog_id}
        model = ok(api.post("/api/models", json=body), 201)
        patch = {"visible": True, "available_in_assistants": True} | fields
        ok(api.patch(f"/api/models/{model['id']}", json=patch))
        identifier = catalog_id.partition("/")[2]
        deployment = {"key_id": key["id"], "model_identifier": identifier}
        ok(api.post(f"/api/models/{model['id']}/deployments", json=deployment), 201)
        return ok(api.get(f"/api/models/{model['id']}"))


def depend_on_old(ws: Workspace, fake: FakeProvider) -> Dependents:
    old = preconfigured(ws, fake, OLD)
    new = preconfigured(ws, fake, NEXT)
    other = add_model(ws, fake, display_name=f"Other {secrets.token_hex(2)}")
    member_id, member_key = ws.add_user()
    with ws.owner() as api:
        body = {"name": f"Helper {secrets.token_hex(2)}", "model_id": old["id"]}
        assistant = ok(api.post("/api/assistants", json=body), 201)
        for owner in (other, new):
            chain = {"fallbacks": [old["id"]]}
            ok(api.put(f"/api/models/{owner['id']}/fallbacks", json=chain))
        budget_body = {
            "scope": "workspace",
            "amount_usd": "1000",
            "period": "day",
            "on_exceed": "fallback",
            "fallback_model_id": old["id"],
        }
        budget = ok(api.post("/api/budgets", json=budget_body), 201)
    with ws.server.client(member_key) as member:
        ok(member.put("/api/me/default-model", json={"model_id": old["id"]}))
    return Dependents(old, new, other, assistant, member_id, member_key, budget)


@pytest.fixture(scope="module")
def source() -> Iterator[CatalogSource]:
    with CatalogSource().running() as running:
        yield running


def lifecycle_server(
    request: pytest.FixtureRequest, data_dir: Path, source: CatalogSource
) -> Iterator[RunningServer]:
    if request.param == "sqlite":
        with running_server(refresh_settings(data_dir, None, source.url, 24), "sqlite") as s:
            yield s
    else:
        with (
            postgres_database() as url,
            running_server(refresh_settings(data_dir, url, source.url, 24), "postgresql") as s,
        ):
            yield s
