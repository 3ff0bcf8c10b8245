"""Search over HTTP, on SQLite and PostgreSQL, with vectors whose cosine scores are known."""

from __future__ import annotations

import math

from modelyard.testing import FakeProvider
from tests.knowledge import add_text, embedding_model, names, new_collection, search, unique
from tests.support import Workspace, error_of, ok
from tests.usage import stored_rows

# Against the query "vec:1,0" each document scores exactly its first component.
DOCUMENTS = {
    "exact.md": "vec:1,0",
    "close.txt": "vec:0.8,0.6",
    "middle.txt": "vec:0.6,0.8",
    "far.txt": "vec:0.28,0.96",
    "orthogonal.txt": "vec:0,1",
}


def _filled(ws: Workspace, fake: FakeProvider) -> tuple[dict[str, str], dict[str, str]]:
    model = embedding_model(ws, fake)
    with ws.owner() as api:
        collection = new_collection(api, model["id"])
        for name, text in DOCUMENTS.items():
            add_text(api, collection["id"], name, text)
    return model, collection


def test_the_model_threshold_admits_exactly_the_matching_chunks(
    ws: Workspace, fake: FakeProvider
) -> None:
    _model, collection = _filled(ws, fake)
    with ws.owner() as api:
        result = search(api, collection["id"], "vec:1,0")
        assert result["threshold_used"] == 0.5  # the model's default
        assert names(result) == ["exact.md", "close.txt", "middle.txt"]
        scores = [hit["score"] for hit in result["results"]]
        assert all(
            math.isclose(a, b, abs_tol=1e-5) for a, b in zip(scores, [1, 0.8, 0.6], strict=True)
        )
        hit = result["results"][1]
        assert hit["text"] == "vec:0.8,0.6" and hit["chunk_id"] and hit["document_id"]
        assert names(search(api, collection["id"], "vec:1,0", top_k=2)) == ["exact.md", "close.txt"]
        # A threshold exactly at a score still admits it (float32 rounding must not drop it).
        at = search(api, collection["id"], "vec:1,0", threshold=0.6)
        assert names(at) == ["exact.md", "close.txt", "middle.txt"]


def test_raising_the_model_threshold_returns_fewer_at_once(
    ws: Workspace, fake: FakeProvider
) -> None:
    model, collection = _filled(ws, fake)
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{model['id']}", json={"similarity_threshold": 0.7}))
        result = search(api, collection["id"], "vec:1,0")
        assert (result["threshold_used"], names(result)) == (0.7, ["exact.md", "close.txt"])
        ok(api.patch(f"/api/models/{model['id']}", json={"similarity_threshold": 0.25}))
        assert len(search(api, collection["id"], "vec:1,0")["results"]) == 4


def test_a_request_threshold_may_raise_but_never_lower_it(
    ws: Workspace, fake: FakeProvider
) -> None:
    _model, collection = _filled(ws, fake)
    with ws.owner() as api:
        raised = search(api, collection["id"], "vec:1,0", threshold=0.9)
        assert (raised["threshold_used"], names(raised)) == (0.9, ["exact.md"])
        lowered = search(api, collection["id"], "vec:1,0", threshold=0.1)
        assert lowered["threshold_used"] == 0.5
        assert names(lowered) == ["exact.md", "close.txt", "middle.txt"]
        error = error_of(
            api.post(f"/api/knowledge/{collection['id']}/search", json={"query": "x", "top_k": 0}),
            422,
        )
        assert error["param"] == "top_k"


def test_members_search_and_every_embedding_call_is_metered(
    ws: Workspace, fake: FakeProvider
) -> None:
    model, collection = _filled(ws, fake)
    member_id, member_key = ws.add_user("member")
    with ws.server.client(member_key) as api:
        found = names(search(api, collection["id"], "vec:0,1"))
        assert found == ["orthogonal.txt", "far.txt", "middle.txt", "close.txt"]
        assert [c["id"] for c in ok(api.get("/api/knowledge"))] == [collection["id"]]
        error = error_of(
            api.post("/api/knowledge", json={"name": "x", "embedding_model_id": "m"}), 403
        )
        assert error["code"] == "admin_required"
    rows = stored_rows(ws.server, 6, workspace_id=ws.id, model_id=model["id"])
    assert len(rows) == 6  # five documents, one query
    assert {(r.endpoint, r.status) for r in rows} == {("embeddings", 200)}
    assert all(r.input_tokens > 0 and r.deployment_id for r in rows)
    assert [r.user_id for r in rows] == [ws.owner_id] * 5 + [member_id]


def test_an_empty_collection_finds_nothing_without_calling_upstream(
    ws: Workspace, fake: FakeProvider
) -> None:
    model = embedding_model(ws, fake, identifier=unique("embed-8"))
    with ws.owner() as api:
        collection = new_collection(api, model["id"])
        result = search(api, collection["id"], "anything")
        assert result == {"threshold_used": 0.5, "results": []}
        error_of(api.post("/api/knowledge/kc_nope/search", json={"query": "x"}), 404)
    assert not [r for r in fake.requests() if model["provider_model_name"] in str(r["body"])]


def test_deleting_a_document_removes_it_from_results(ws: Workspace, fake: FakeProvider) -> None:
    _model, collection = _filled(ws, fake)
    with ws.owner() as api:
        docs = {d["name"]: d for d in ok(api.get(f"/api/knowledge/{collection['id']}/documents"))}
        assert set(docs) == set(DOCUMENTS) and docs["exact.md"]["chunks"] == 1
        assert docs["exact.md"]["media_type"] == "text/markdown"
        ok(api.delete(f"/api/knowledge/{collection['id']}/documents/{docs['exact.md']['id']}"), 204)
        assert names(search(api, collection["id"], "vec:1,0")) == ["close.txt", "middle.txt"]
        info = ok(api.get(f"/api/knowledge/{collection['id']}"))
        assert (info["documents"], info["chunks"], info["dimensions"]) == (4, 4, 8)
