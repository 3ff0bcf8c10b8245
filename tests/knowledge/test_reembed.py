"""Changing a collection's embedding model re-embeds it; a new vector size needs ``reindex``."""

from __future__ import annotations

from typing import Any

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.knowledge import add_text, embedding_model, names, new_collection, search, unique
from tests.support import Workspace, error_of, ok
from tests.usage import stored_rows

TEXTS = {"a.txt": "vec:1,0", "b.txt": "vec:0.8,0.6", "c.txt": "vec:0,1"}


def _embedded_by(fake: FakeProvider, identifier: str) -> list[Any]:
    """Every text the fake was asked to embed with the model ``identifier``."""
    texts: list[Any] = []
    for request in fake.requests():
        body = request["body"]
        if request["path"].endswith("/embeddings") and body and body.get("model") == identifier:
            texts.extend(body["input"])
    return texts


def _filled(ws: Workspace, fake: FakeProvider) -> tuple[dict[str, Any], str]:
    model = embedding_model(ws, fake, identifier=unique("embed-8"))
    with ws.owner() as api:
        collection = new_collection(api, model["id"])
        for name, text in TEXTS.items():
            add_text(api, collection["id"], name, text)
    return model, collection["id"]


def test_a_new_model_re_embeds_every_chunk(ws: Workspace, fake: FakeProvider) -> None:
    _old, collection_id = _filled(ws, fake)
    new = embedding_model(ws, fake, identifier=unique("embed-8"), similarity_threshold=0.7)
    with ws.owner() as api:
        changed = ok(
            api.patch(f"/api/knowledge/{collection_id}", json={"embedding_model_id": new["id"]})
        )
        assert (changed["embedding_model_id"], changed["dimensions"]) == (new["id"], 8)
        assert (changed["documents"], changed["chunks"]) == (3, 3)
        assert sorted(_embedded_by(fake, new["provider_model_name"])) == sorted(TEXTS.values())
        # The query is embedded by the new model, scored with the new model's threshold.
        result = search(api, collection_id, "vec:1,0")
        assert (result["threshold_used"], names(result)) == (0.7, ["a.txt", "b.txt"])
    assert _embedded_by(fake, new["provider_model_name"])[-1] == "vec:1,0"
    rows = stored_rows(ws.server, 2, workspace_id=ws.id, model_id=new["id"])
    assert len(rows) == 2  # one batch for the three chunks, one query


def test_a_different_vector_size_needs_reindex(ws: Workspace, fake: FakeProvider) -> None:
    old, collection_id = _filled(ws, fake)
    declared = embedding_model(ws, fake, identifier=unique("embed-16"), embedding_dimensions=16)
    undeclared = embedding_model(ws, fake, identifier=unique("embed-16"))
    url = f"/api/knowledge/{collection_id}"
    with ws.owner() as api:
        error = error_of(api.patch(url, json={"embedding_model_id": declared["id"]}), 422)
        assert (error["code"], error["param"]) == ("dimensions_differ", "embedding_model_id")
        assert "16-dimensional" in error["message"] and "reindex" in error["message"]
        # Its size is declared: refused before any upstream call.
        assert _embedded_by(fake, declared["provider_model_name"]) == []
        error = error_of(api.patch(url, json={"embedding_model_id": undeclared["id"]}), 422)
        assert error["code"] == "dimensions_differ"
        unchanged = ok(api.get(url))
        assert (unchanged["embedding_model_id"], unchanged["dimensions"]) == (old["id"], 8)
        assert names(search(api, collection_id, "vec:1,0")) == ["a.txt", "b.txt"]

        body = {"embedding_model_id": undeclared["id"], "reindex": True}
        changed = ok(api.patch(url, json=body))
        assert (changed["embedding_model_id"], changed["dimensions"]) == (undeclared["id"], 16)
        assert names(search(api, collection_id, "vec:1,0")) == ["a.txt", "b.txt"]


def test_an_empty_collection_takes_any_model(ws: Workspace, fake: FakeProvider) -> None:
    small = embedding_model(ws, fake, identifier="empty-embed-8")
    large = embedding_model(ws, fake, identifier="empty-embed-32")
    with ws.owner() as api:
        collection = new_collection(api, small["id"])
        url = f"/api/knowledge/{collection['id']}"
        doc = add_text(api, collection["id"], "a.txt", "vec:1,0")
        ok(api.delete(f"{url}/documents/{doc['id']}"), 204)
        body = {"embedding_model_id": large["id"], "name": "Renamed"}
        changed = ok(api.patch(url, json=body))
        assert (changed["name"], changed["dimensions"]) == ("Renamed", None)
        add_text(api, collection["id"], "b.txt", "vec:0,1")
        assert ok(api.get(url))["dimensions"] == 32


def test_a_collection_needs_an_embedding_model(ws: Workspace, fake: FakeProvider) -> None:
    model = embedding_model(ws, fake, identifier="kind-embed-8")
    completion = add_model(ws, fake, identifier="kind-chat")
    with ws.owner() as api:
        body = {"name": "X", "embedding_model_id": completion["id"]}
        error = error_of(api.post("/api/knowledge", json=body), 422)
        assert (error["param"], error["code"]) == ("embedding_model_id", "not_an_embedding_model")
        error_of(api.post("/api/knowledge", json=body | {"embedding_model_id": "mdl_nope"}), 404)
        collection = new_collection(api, model["id"])
        patch = {"embedding_model_id": completion["id"]}
        error_of(api.patch(f"/api/knowledge/{collection['id']}", json=patch), 422)
        error = error_of(api.patch(f"/api/knowledge/{collection['id']}", json={"name": None}), 422)
        assert error["param"] == "name"
