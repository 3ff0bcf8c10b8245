"""``GET /v1/models/{slug}`` and Gemini embeddings given token arrays (LangChain's default)."""

from __future__ import annotations

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.fidelity.conftest import Models
from tests.gateway.setup import add_model
from tests.support import error_of, ok


def test_one_model_is_the_entry_the_list_shows(models: Models) -> None:
    listed = {m.id: m for m in models.sdk.models.list().data}
    for slug in (models.openai, models.gemini):
        one = models.sdk.models.retrieve(slug)
        assert one.model_dump() == listed[slug].model_dump()
    with models.ws.server.client(models.ws.owner_key) as http:
        entry = ok(http.get(f"/v1/models/{models.gemini}"))
        assert entry["id"] == models.gemini and entry["object"] == "model"
        assert entry["capabilities"]["tools"] is True


def test_a_model_the_caller_may_not_use_is_a_404_like_an_unknown_one(
    models: Models, fake: FakeProvider
) -> None:
    hidden = add_model(models.ws, fake, identifier="hidden-fid", visible=False)
    _, member_key = models.ws.add_user("member")
    with models.ws.server.client(member_key) as http:
        hidden_error = error_of(http.get(f"/v1/models/{hidden['slug']}"), 404)
        unknown = error_of(http.get("/v1/models/no-such-model"), 404)
        ok(http.get(f"/v1/models/{models.openai}"))
    assert hidden_error["code"] == unknown["code"] == "model_not_found"
    assert hidden_error["param"] == "model"
    with models.ws.server.client(models.ws.owner_key) as http:  # admins see hidden models
        assert ok(http.get(f"/v1/models/{hidden['slug']}"))["id"] == hidden["slug"]
    member = openai.OpenAI(
        base_url=models.ws.server.base_url + "/v1", api_key=member_key, max_retries=0
    )
    with member, pytest.raises(openai.NotFoundError):
        member.models.retrieve(hidden["slug"])


def test_gemini_embeddings_explain_why_token_arrays_are_refused(
    models: Models, fake: FakeProvider
) -> None:
    model = add_model(
        models.ws, fake, provider="google", kind="embedding", identifier="gemini-embedding-fid"
    )
    with pytest.raises(openai.BadRequestError) as raised:
        models.sdk.embeddings.create(model=model["slug"], input=[[9906, 1917]])
    message = raised.value.message
    assert raised.value.param == "input"
    assert "Gemini embeddings take text input" in message
    assert "check_embedding_ctx_length=False" in message
    texts = models.sdk.embeddings.create(model=model["slug"], input=["hello"])
    assert len(texts.data[0].embedding) > 0
