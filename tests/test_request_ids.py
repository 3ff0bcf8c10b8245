"""Every ``/v1`` and ``/api`` answer carries ``x-request-id``; usage rows and 500 bodies name it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from modelyard.admin_api import user_routes
from modelyard.gateway import media
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace
from tests.usage import stored_rows

NEW_ID = re.compile(r"req_[0-9a-f]{24}")


def test_the_callers_id_reaches_the_answer_and_the_usage_rows(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = add_model(ws, fake)
    with ws.owner() as api:
        plain = api.post(
            "/v1/chat/completions",
            json={"model": model["slug"], "messages": [{"role": "user", "content": "hi"}]},
            headers={"x-request-id": "caller.Id-1_a"},
        )
        with api.stream(
            "POST",
            "/v1/chat/completions",
            json={
                "model": model["slug"],
                "messages": [{"role": "user", "content": "hi"}],
                "stream": True,
            },
            headers={"x-request-id": "stream-2"},
        ) as streamed:
            # The header came with the status line, before any event was read.
            assert streamed.headers["x-request-id"] == "stream-2"
            events = streamed.read()
    assert plain.status_code == 200 and plain.headers["x-request-id"] == "caller.Id-1_a"
    assert b"data: [DONE]" in events
    rows = stored_rows(ws.server, 2, workspace_id=ws.id, model_id=model["id"])
    assert sorted(r.request_id for r in rows) == ["caller.Id-1_a", "stream-2"]


@pytest.mark.parametrize("given", ["", "a" * 129, "has space", "semi;colon", "é"])
def test_an_unfit_id_is_replaced(ws: Workspace, fake: FakeProvider, given: str) -> None:
    model = add_model(ws, fake, kind="embedding", identifier="fake-embed-8")
    with ws.owner() as api:
        response = api.post(
            "/v1/embeddings",
            json={"model": model["slug"], "input": "x"},
            headers={"x-request-id": given.encode("utf-8")},  # type: ignore[dict-item]
        )
        admin = api.get("/api/me", headers={"x-request-id": given.encode("utf-8")})  # type: ignore[dict-item]
    assert response.status_code == 200 and admin.status_code == 200
    assert NEW_ID.fullmatch(response.headers["x-request-id"])
    assert NEW_ID.fullmatch(admin.headers["x-request-id"])
    (row,) = stored_rows(ws.server, 1, workspace_id=ws.id, model_id=model["id"])
    assert row.request_id == response.headers["x-request-id"]


def test_every_answer_has_one_errors_and_documents_too(ws: Workspace) -> None:
    with ws.server.client() as anonymous, ws.owner() as api:
        answers = [
            anonymous.get("/v1/models"),  # 401
            api.get("/v1/nowhere"),  # 404 of the gateway
            api.post("/v1/chat/completions", content=b"{"),  # 400
            api.get("/v1/models"),
            anonymous.get("/api/me"),  # 401
            api.get("/api/models/nope"),  # 404
            api.post("/api/models", json={}),  # 422
            api.get("/api/me"),
            api.get("/openapi.json"),
        ]
        given = api.get("/api/users", headers={"x-request-id": "mine"})
    ids = [a.headers.get("x-request-id") for a in answers]
    assert all(i is not None and NEW_ID.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    assert given.headers.get_list("x-request-id") == ["mine"]


def test_a_bug_on_v1_is_a_500_naming_the_request(
    ws: Workspace,
    fake: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = add_model(ws, fake, kind="image", identifier="gpt-image-1")

    def boom(body: dict[str, Any]) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(media, "generation_request", boom)
    with ws.owner() as api:
        response = api.post(
            "/v1/images/generations",
            json={"model": model["slug"], "prompt": "x"},
            headers={"x-request-id": "bug-1"},
        )
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "bug-1"
    body = response.json()
    assert body["request_id"] == "bug-1"
    assert any("bug-1" in r.getMessage() and r.exc_info for r in caplog.records)
    assert body["error"]["type"] == "api_error" and body["error"]["message"]
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_a_bug_on_api_is_a_json_500_naming_the_request(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(*args: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(user_routes.users, "get_me", boom)
    with ws.owner() as api:
        response = api.get("/api/me")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert NEW_ID.fullmatch(body["request_id"])
    assert body["request_id"] == response.headers["x-request-id"]
    assert any(body["request_id"] in r.getMessage() for r in caplog.records)
    assert set(body["error"]) == {"type", "message", "param", "code"}
    assert body["error"]["type"] == "api_error"
    assert "secret internals" not in response.text and "Traceback" not in response.text
