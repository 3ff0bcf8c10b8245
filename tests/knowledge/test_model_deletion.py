"""A model that embeds a collection cannot be deleted from under it."""

from __future__ import annotations

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.support import Workspace, error_of, ok


def test_deleting_a_collections_model_is_refused(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, kind="embedding", identifier="fake-embed-8")
    with ws.owner() as api:
        ok(
            api.post(
                "/api/knowledge", json={"name": "Handbook", "embedding_model_id": model["id"]}
            ),
            201,
        )
        error = error_of(api.delete(f"/api/models/{model['id']}"), 409)
        assert "Handbook" in error["message"]
        assert ok(api.get(f"/api/models/{model['id']}"))["id"] == model["id"]
