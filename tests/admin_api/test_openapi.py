"""``/openapi.json`` declares every status a route answers: it is walked, and real failing
requests through HTTP must each end in a status declared for their route."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_key, add_model
from tests.support import Workspace, ok

WRITES = ("post", "put", "patch", "delete")


def document(ws: Workspace) -> dict[str, Any]:
    with ws.server.client() as anonymous:
        doc: dict[str, Any] = ok(anonymous.get("/openapi.json"))
    return doc


def operation_of(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The operation whose path template matches ``path``."""
    for template, operations in doc["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            operation: dict[str, Any] = operations[method.lower()]
            return operation
    raise AssertionError(f"{method} {path} is not in /openapi.json")


def assert_declared(doc: dict[str, Any], response: httpx.Response) -> None:
    request = response.request
    operation = operation_of(doc, request.method, request.url.path)
    declared = set(operation["responses"])
    assert str(response.status_code) in declared, (
        f"{request.method} {request.url.path} answered {response.status_code}, "
        f"declared {sorted(declared)}: {response.text[:200]}"
    )


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "no-such-id", template)


def test_every_operation_declares_what_it_answers_to_strangers_members_and_owners(
    ws: Workspace,
) -> None:
    """Walks every operation (those added later too): without a key, as a member and as the
    owner, with unknown ids and an empty JSON body; each answer must be declared."""
    doc = document(ws)
    _, member_key = ws.add_user("member")
    clients = [ws.server.client(), ws.server.client(member_key), ws.owner()]
    try:
        for template, operations in doc["paths"].items():
            for method, operation in operations.items():
                path = concrete(template)
                for client in clients:
                    body = {"json": {}} if method in WRITES and "requestBody" in operation else {}
                    response = client.request(method.upper(), path, **body)  # type: ignore[arg-type]
                    assert_declared(doc, response)
                    if operation.get("security") and "authorization" not in client.headers:
                        assert response.status_code == 401, (template, response.text)
    finally:
        for client in clients:
            client.close()


def test_real_failures_are_declared(ws: Workspace, fake: FakeProvider) -> None:
    doc = document(ws)
    _, member_key = ws.add_user("member")
    chat = add_model(ws, fake)
    broken = add_model(ws, fake, identifier="fail-500")
    image = add_model(
        ws,
        fake,
        kind="image",
        identifier="gpt-image-1",
        max_images_per_user={"count": 1, "window_hours": 1},
    )
    key = add_key(ws, fake, "openai")
    hi = [{"role": "user", "content": "hi"}]
    with ws.owner() as api, ws.server.client(member_key) as member:
        ok(api.patch(f"/api/models/{broken['id']}", json={"maintenance": False}))
        in_use = chat["deployments"][0]["key_id"]
        answers = [
            api.delete(f"/api/model-keys/{in_use}"),  # 409: a deployment uses it
            api.post("/api/groups", json={"name": "g"}),
            api.post("/api/groups", json={"name": "G"}),  # 409: the name is taken
            api.post("/api/models", content=b"{", headers={"content-type": "application/json"}),
            api.post("/api/models", json={"kind": "completion", "display_name": 3}),  # 422
            api.post(f"/api/models/{chat['id']}/deployments", json={"key_id": key["id"]}),
            api.get("/api/usage", params={"from": "yesterday"}),  # 422
            api.get("/api/catalog", params={"kind": "video"}),  # 422
            member.get("/api/users"),  # 403
            member.patch("/api/me", json={"role": "owner"}),  # 403
            member.post(f"/api/users/{ws.owner_id}/api-keys", json={}),  # 403
            api.get("/api/models/nope/deployments"),  # 404
            api.put("/api/me/default-model", json={"model_id": "mdl_nope"}),  # 404 in a body
            api.post("/v1/chat/completions", content=b"{"),  # 400
            api.post("/v1/chat/completions", json={"model": "nope", "messages": hi}),  # 404
            api.post("/v1/chat/completions", json={"model": broken["slug"], "messages": hi}),
            api.post("/v1/embeddings", json={"model": chat["slug"], "input": "x"}),
            api.post("/v1/images/generations", json={"model": image["slug"], "prompt": "a"}),
            api.post("/v1/images/generations", json={"model": image["slug"], "prompt": "b"}),
            api.post("/v1/images/edits", json={"model": image["slug"]}),  # 400: not multipart
            member.get("/v1/models", headers={"authorization": "Bearer nope"}),  # 401
        ]
        ok(api.patch(f"/api/models/{chat['id']}", json={"maintenance": True}))
        answers.append(
            api.post("/v1/chat/completions", json={"model": chat["slug"], "messages": hi})
        )
    statuses = {a.status_code for a in answers}
    assert {400, 401, 403, 404, 409, 422, 429, 502, 503} <= statuses, statuses
    for answer in answers:
        assert_declared(doc, answer)


def test_error_bodies_match_the_declared_schema(ws: Workspace) -> None:
    doc = document(ws)
    schema = doc["components"]["schemas"]["ErrorBody"]
    assert schema["required"] == ["error"]
    fields = set(schema["properties"]["error"]["required"])
    with ws.server.client() as anonymous:
        for path in ("/api/me", "/v1/models"):
            response = anonymous.get(path)
            assert response.status_code == 401
            assert set(response.json()["error"]) == fields
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "x-request-id" in response.headers
            declared = operation_of(doc, "GET", path)["responses"]["401"]["headers"]
            assert {"WWW-Authenticate", "x-request-id"} <= set(declared)


@pytest.mark.parametrize("method", ["DELETE", "PUT"])
def test_a_wrong_method_on_a_gateway_path_is_405_with_allow(ws: Workspace, method: str) -> None:
    with ws.owner() as api:
        response = api.request(method, "/v1/chat/completions")
        models = api.request(method, "/v1/models")
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert models.status_code == 405 and models.headers["allow"] == "GET, HEAD"
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_wrong_method_on_an_api_path_allows_every_documented_method(ws: Workspace) -> None:
    """Each method is a route of its own: Starlette's 405 named only the first one's."""
    with ws.owner() as api:
        users = api.request("OPTIONS", "/api/users")
        one = api.put("/api/models/mdl_x")
    assert users.status_code == 405 and users.headers["allow"] == "GET, HEAD, POST"
    assert one.status_code == 405 and one.headers["allow"] == "DELETE, GET, HEAD, PATCH"
