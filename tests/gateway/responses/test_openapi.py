"""``/v1/responses`` in ``/openapi.json``: real calls fit the documented schemas."""

from __future__ import annotations

from modelyard.testing import FakeProvider
from tests.gateway.responses.setup import model_on
from tests.gateway.test_openapi_v1 import answer_schema, body_schema, document, fits
from tests.support import Workspace, ok


def test_responses_calls_fit_the_documented_schemas(ws: Workspace, fake: FakeProvider) -> None:
    doc = document(ws)
    model = model_on(ws, fake, "anthropic", f"doc-{ws.id[-6:]}")
    body = {"model": model["slug"], "input": "hi", "instructions": "Be brief.", "store": True}
    fits(doc, body_schema(doc, "/v1/responses"), body)
    item = "/v1/responses/{response_id}"
    with ws.owner() as api:
        created = ok(api.post("/v1/responses", json=body))
        fits(doc, answer_schema(doc, "/v1/responses"), created)
        fits(doc, answer_schema(doc, item, "get"), ok(api.get(f"/v1/responses/{created['id']}")))
        deleted = ok(api.delete(f"/v1/responses/{created['id']}"))
        fits(doc, answer_schema(doc, item, "delete"), deleted)
        assert api.get(f"/v1/responses/{created['id']}").status_code == 404
    for method in ("get", "delete"):
        assert doc["paths"][item][method]["security"] == [{"bearer": []}]
