"""``POST /api/models/{id}/test``: a real call through each deployment, capability by capability."""

from __future__ import annotations

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace, ok


def _test(ws: Workspace, model_id: str) -> dict:
    with ws.owner() as api:
        return ok(api.post(f"/api/models/{model_id}/test", json={}))


def test_completion_model_with_checks(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(
        ws,
        fake,
        identifier="fake-model",
        visible=False,
        deployments=2,
        capabilities={"tools": True, "image_analysis": True, "temperature": True},
    )
    result = _test(ws, model["id"])
    assert result["ok"] is True
    assert result["output"].startswith("Echo:")
    assert result["latency_ms"] > 0
    assert result["usage"]["input_tokens"] > 0 and result["usage"]["output_tokens"] > 0
    assert result["cost_usd"] > 0
    assert len(result["deployments"]) == 2
    checks = {c["capability"]: c for c in result["checks"]}
    assert set(checks) == {"tools", "image_analysis", "temperature"}
    assert all(c["ok"] and c["observed"] for c in checks.values())
    assert "called the tool" in checks["tools"]["detail"]


def test_broken_key_is_reported_not_raised(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fail-401")
    result = _test(ws, model["id"])
    assert result["ok"] is False
    assert "credentials" in result["deployments"][0]["error"]


def test_embedding_and_image_models(ws: Workspace, fake: FakeProvider) -> None:
    embedding = add_model(ws, fake, kind="embedding", identifier="fake-embed-8")
    result = _test(ws, embedding["id"])
    assert result["ok"] and "8 dimensions" in result["output"]
    image = add_model(ws, fake, kind="image", identifier="gpt-image-1")
    result = _test(ws, image["id"])
    assert result["ok"] and result["usage"]["images"] == 1
    assert result["cost_usd"] >= 0.04


def test_no_deployment(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fake-model", deployments=0)
    result = _test(ws, model["id"])
    assert result["ok"] is False and "no deployment" in result["error"]
