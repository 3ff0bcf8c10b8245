"""Catalog refresh from MODELYARD_CATALOG_URL: a local HTTP server serves a changed catalog to
a real running server; the pre-configured model is priced anew on the next call, recorded
usage keeps its prices, the price history and the stored diff say what changed; a broken
source changes nothing and is listed as failed."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from modelyard.catalog.refresh import MAX_BYTES
from modelyard.settings import Settings
from modelyard.storage.tables import UsageRow
from modelyard.testing import FakeProvider
from tests.catalog.refresh_source import CatalogSource, bundled_data, changed
from tests.gateway.setup import add_key, add_model, sdk
from tests.support import (
    RunningServer,
    Workspace,
    error_of,
    new_workspace,
    ok,
    postgres_database,
    running_server,
)
from tests.usage import stored_rows

ENTRY = "openai/gpt-4o"
OTHER = "openai/gpt-4o-mini"


def refresh_settings(data_dir: Path, database_url: str | None, url: str, hours: float) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=None,
        redis_url=None,
        allowed_upstream_hosts=["127.0.0.1"],
        upstream_timeout=2.0,
        catalog_url=url,
        catalog_refresh_hours=hours,
    )


@pytest.fixture(scope="module")
def source() -> Iterator[CatalogSource]:
    with CatalogSource().running() as running:
        yield running


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, source: CatalogSource
) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp(f"refresh-{request.param}")
    if request.param == "sqlite":
        with running_server(refresh_settings(data_dir, None, source.url, 24), "sqlite") as s:
            yield s
    else:
        with (
            postgres_database() as url,
            running_server(refresh_settings(data_dir, url, source.url, 24), "postgresql") as s,
        ):
            yield s


def preconfigured(ws: Workspace, fake: FakeProvider) -> dict[str, Any]:
    """The catalog's GPT-4o, added as an admin would, with one deployment on the fake."""
    key = add_key(ws, fake, "openai")
    with ws.owner() as api:
        model = ok(api.post("/api/models", json={"kind": "completion", "catalog_id": ENTRY}), 201)
        ok(api.patch(f"/api/models/{model['id']}", json={"visible": True}))
        body = {"key_id": key["id"], "model_identifier": "gpt-4o"}
        ok(api.post(f"/api/models/{model['id']}/deployments", json=body), 201)
        return ok(api.get(f"/api/models/{model['id']}"))


def call(ws: Workspace, model: dict[str, Any]) -> None:
    sdk(ws).chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}]
    )


def records(ws: Workspace, model_id: str, expected: int) -> list[UsageRow]:
    rows = stored_rows(ws.server, expected, workspace_id=ws.id, model_id=model_id)
    assert len(rows) == expected
    return rows


def active_version(ws: Workspace) -> str:
    with ws.server.services.session() as session:
        from modelyard.workspace.catalog_store import active_catalog

        return active_catalog(session).version


def test_refresh_reprices_the_preconfigured_model(
    server: RunningServer, source: CatalogSource, fake: FakeProvider
) -> None:
    ws, elsewhere = new_workspace(server), new_workspace(server)
    model = preconfigured(ws, fake)
    preconfigured(elsewhere, fake)
    old_in, old_out = Decimal(model["input_price"]), Decimal(model["output_price"])
    call(ws, model)
    (before,) = records(ws, model["id"], 1)
    assert (before.input_price, before.output_price) == (old_in, old_out)

    new_in, new_out = old_in + Decimal("1.25"), old_out + 3
    version = f"test-{secrets.token_hex(3)}"
    data = changed(
        bundled_data(), ENTRY, version, input_price=str(new_in), output_price=str(new_out)
    )
    (other,) = [e for e in data["entries"] if e["id"] == OTHER]
    other["deprecated"] = True
    source.serve(data)
    with ws.owner() as api:
        update = ok(api.post("/api/catalog/refresh"))
        assert update["status"] == "applied" and update["trigger"] == "manual"
        assert update["new_version"] == version and update["error"] is None
        (change,) = [c for c in update["diff"]["changed"] if c["id"] == ENTRY]
        assert change["fields"]["input_price"] == [format(old_in, "f"), format(new_in, "f")]
        assert change["fields"]["output_price"] == [format(old_out, "f"), format(new_out, "f")]
        assert OTHER in update["diff"]["deprecated"]
        # Only this workspace's model, with its old and new values.
        (touched,) = update["touched_models"]
        assert touched["model_id"] == model["id"] and touched["status"] == "changed"
        assert touched["fields"]["input_price"] == change["fields"]["input_price"]
        listed = ok(api.get("/api/catalog/updates"))
        assert listed[0]["id"] == update["id"]
        assert listed[0]["touched_models"] == update["touched_models"]
        assert [
            e["action"] for e in ok(api.get("/api/audit", params={"action": "catalog.refresh"}))
        ]
        assert ok(api.get(f"/api/models/{model['id']}"))["input_price"] in (str(new_in), new_in)

    # The next call is priced anew (within the ~1 s configuration reload).
    deadline = time.monotonic() + 6
    while True:
        call(ws, model)
        latest = stored_rows(ws.server, None, workspace_id=ws.id, model_id=model["id"])[-1]
        if latest.input_price == new_in or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert (latest.input_price, latest.output_price) == (new_in, new_out)
    expected = (latest.input_tokens * new_in + latest.output_tokens * new_out) / Decimal(10**6)
    assert latest.cost_usd == expected
    first = stored_rows(ws.server, None, workspace_id=ws.id, model_id=model["id"])[0]
    assert first.id == before.id  # recorded usage keeps the prices it was priced at
    assert (first.input_price, first.cost_usd) == (old_in, before.cost_usd)

    with ws.owner() as api:
        prices = ok(api.get(f"/api/models/{model['id']}/prices"))
    assert [p["source"] for p in prices] == ["created", "catalog"]
    assert Decimal(prices[0]["input_price"]) == old_in
    assert Decimal(prices[1]["input_price"]) == new_in
    assert prices[1]["catalog_update_id"] == update["id"]
    assert prices[0]["effective_at"] <= prices[1]["effective_at"]


def test_admin_price_edits_are_in_the_history(server: RunningServer, fake: FakeProvider) -> None:
    ws = new_workspace(server)
    model = add_model(ws, fake, identifier="fake-history", input_price=2, output_price=8)
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{model['id']}", json={"display_name": "same prices"}))
        ok(api.patch(f"/api/models/{model['id']}", json={"input_price": "2.5"}))
        prices = ok(api.get(f"/api/models/{model['id']}/prices"))
        assert [(p["source"], Decimal(p["input_price"])) for p in prices] == [
            ("created", Decimal(2)),
            ("admin", Decimal("2.5")),
        ]
        error_of(api.get("/api/models/mdl_nope/prices"), 404)
    _, member_key = ws.add_user("member")
    with ws.server.client(member_key) as member:
        error_of(member.get(f"/api/models/{model['id']}/prices"), 403)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"format": "modelyard-catalog/1", "entries": [', "not valid JSON"),
        (b" " * (MAX_BYTES + 1), f"larger than {MAX_BYTES} bytes"),
        ("too-big-undeclared", f"larger than {MAX_BYTES} bytes"),
        ("partial", "looks like a partial file"),
        ("no-entries", "has no entries"),
    ],
    ids=["bad-json", "too-big", "too-big-undeclared", "partial", "empty"],
)
def test_a_broken_source_changes_nothing(
    server: RunningServer, source: CatalogSource, fake: FakeProvider, body: Any, reason: str
) -> None:
    ws = new_workspace(server)
    model = preconfigured(ws, fake)
    version = active_version(ws)
    data = bundled_data()
    undeclared = body == "too-big-undeclared"  # counted while it streams in
    if body == "partial":
        data = {**data, "version": "partial", "entries": data["entries"][:5]}
        body = data
    elif body == "no-entries":
        body = {**data, "version": "empty", "entries": []}
    elif undeclared:
        body = b" " * (MAX_BYTES + 1)
    source.serve(body)
    source.declare_length = not undeclared
    with ws.owner() as api:
        update = ok(api.post("/api/catalog/refresh"))
        assert update["status"] == "failed" and reason in update["error"]
        assert update["diff"] is None and update["touched_models"] == []
        assert ok(api.get("/api/catalog/updates"))[0]["id"] == update["id"]
        assert ok(api.get(f"/api/models/{model['id']}")) == model
    assert active_version(ws) == version


def test_only_admins_refresh(server: RunningServer, source: CatalogSource) -> None:
    ws = new_workspace(server)
    source.serve(bundled_data())
    _, member_key = ws.add_user("member")
    with ws.server.client(member_key) as member:
        error_of(member.post("/api/catalog/refresh"), 403)
        error_of(member.get("/api/catalog/updates"), 403)
    _, admin_key = ws.add_user("admin")
    with ws.server.client(admin_key) as admin:
        assert ok(admin.post("/api/catalog/refresh"))["status"] in ("applied", "unchanged")
        error_of(admin.get("/api/catalog/updates", params={"limit": 0}), 422)
