"""A live model test spends real money: each of its calls (probes too) is priced and stored in
Usage as a test call, by the admin who ran it; members' calls stay unflagged."""

from __future__ import annotations

from decimal import Decimal

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace, ok
from tests.usage import stored_rows


def test_api_live_test_is_recorded_as_test_calls(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(
        ws,
        fake,
        identifier="fake-model",
        capabilities={"tools": True, "image_analysis": True, "temperature": True},
    )
    with ws.owner() as api:
        result = ok(api.post(f"/api/models/{model['id']}/test", json={}))
    assert result["ok"] and result["recorded_in_usage"] is True
    rows = stored_rows(ws.server, 4, workspace_id=ws.id, model_id=model["id"])
    assert len(rows) == 4  # the request and the tools, image and temperature probes
    assert all(r.is_test and r.user_id == ws.owner_id and r.status == 200 for r in rows)
    assert {r.endpoint for r in rows} == {"chat"}
    assert sum(r.cost_usd for r in rows) == Decimal(str(result["spent_usd"]))
    assert rows[0].cost_usd == Decimal(str(result["cost_usd"])) > 0
    assert result["spent_usd"] > result["cost_usd"]

    sdk(ws).chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}]
    )
    rows = stored_rows(ws.server, 5, workspace_id=ws.id, model_id=model["id"])
    assert [r.is_test for r in rows].count(False) == 1


def test_failed_and_image_tests_are_recorded(ws: Workspace, fake: FakeProvider) -> None:
    broken = add_model(ws, fake, identifier="fail-401")
    image = add_model(ws, fake, kind="image", identifier="gpt-image-1", image_price=0.04)
    with ws.owner() as api:
        failed = ok(api.post(f"/api/models/{broken['id']}/test", json={}))
        drawn = ok(api.post(f"/api/models/{image['id']}/test", json={}))
    assert failed["ok"] is False and drawn["ok"] is True
    [row] = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=broken["id"])
    assert row.is_test and row.status == 502 and row.cost_usd == 0 and row.error
    [row] = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=image["id"])
    # A manual image model with a per-image price only: priced per image.
    assert row.is_test and row.endpoint == "images" and row.images == 1
    assert row.cost_usd == Decimal("0.04") == Decimal(str(drawn["spent_usd"]))
