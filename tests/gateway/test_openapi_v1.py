"""``/v1`` in ``/openapi.json``: every gateway route, and real calls fit the documented schemas."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from modelyard.gateway.app import Gateway
from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace, ok


def document(ws: Workspace) -> dict[str, Any]:
    with ws.server.client() as anonymous:
        doc: dict[str, Any] = ok(anonymous.get("/openapi.json"))
    return doc


def fits(doc: dict[str, Any], schema: dict[str, Any], value: Any) -> None:
    """``value`` is valid against ``schema`` (whose refs point into the document)."""
    root = {**schema, "components": doc["components"]}
    errors = [e.message for e in jsonschema_rs.Draft202012Validator(root).iter_errors(value)]
    assert not errors, errors


def body_schema(doc: dict[str, Any], path: str) -> dict[str, Any]:
    content = doc["paths"][path]["post"]["requestBody"]["content"]
    schema: dict[str, Any] = next(iter(content.values()))["schema"]
    return schema


def answer_schema(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    schema: dict[str, Any] = doc["paths"][path][method]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    return schema


def test_every_gateway_route_is_documented_with_bearer_auth(ws: Workspace) -> None:
    doc = document(ws)
    for method, path in Gateway(None).routes:  # type: ignore[arg-type]  # the table only
        if method == "HEAD":
            continue
        operation = doc["paths"][path][method.lower()]
        assert operation["security"] == [{"bearer": []}]
        assert {"200", "401", "500"} <= set(operation["responses"])
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_real_calls_fit_the_documented_schemas(ws: Workspace, fake: FakeProvider) -> None:
    doc = document(ws)
    chat = add_model(ws, fake)
    embed = add_model(ws, fake, kind="embedding", identifier="fake-embed-8")
    image = add_model(ws, fake, kind="image", identifier="gpt-image-1")
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            "/v1/chat/completions",
            {
                "model": chat["slug"],
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": [{"type": "text", "text": "hi"}]},
                ],
                "max_tokens": 20,
                "temperature": 0.5,
                "stop": ["\n\n"],
            },
        ),
        ("/v1/embeddings", {"model": embed["slug"], "input": ["a", "b"]}),
        ("/v1/images/generations", {"model": image["slug"], "prompt": "a cat", "n": 1}),
    ]
    with ws.owner() as api:
        for path, body in calls:
            fits(doc, body_schema(doc, path), body)
            response = api.post(path, json=body)
            assert response.status_code == 200, response.text
            fits(doc, answer_schema(doc, path), response.json())
        listed = api.get("/v1/models")
        fits(doc, answer_schema(doc, "/v1/models", "get"), listed.json())


def test_documented_bounds_are_the_gateways(ws: Workspace, fake: FakeProvider) -> None:
    """Bodies the schema refuses are refused by the gateway too (400 naming the field)."""
    doc = document(ws)
    chat = add_model(ws, fake)
    schema = body_schema(doc, "/v1/chat/completions")
    hi = [{"role": "user", "content": "hi"}]
    refused = [
        ({"model": chat["slug"], "messages": []}, "messages"),
        ({"model": chat["slug"], "messages": hi, "temperature": 3}, "temperature"),
        ({"model": chat["slug"], "messages": hi, "n": 129}, "n"),
        ({"model": chat["slug"], "messages": [{"role": "tool", "content": "x"}]}, None),
    ]
    root = {**schema, "components": doc["components"]}
    validator = jsonschema_rs.Draft202012Validator(root)
    with ws.owner() as api:
        for body, param in refused:
            assert not validator.is_valid(body), body
            response = api.post("/v1/chat/completions", json=body)
            assert response.status_code == 400, response.text
            if param:
                assert response.json()["error"]["param"] == param
