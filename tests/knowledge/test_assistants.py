"""Assistants on /v1/chat/completions: instructions, retrieved knowledge with sources, and the
"available in assistants" flag, checked in what the fake provider received."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model
from tests.knowledge import add_text, embedding_model, new_collection, unique
from tests.support import Workspace, error_of, new_workspace, ok
from tests.usage import stored_rows

INSTRUCTIONS = "You are the handbook assistant. Answer briefly."


@pytest.fixture
def client(ws: Workspace) -> Iterator[openai.OpenAI]:
    """The OpenAI SDK as a member of the workspace."""
    _user, key = ws.add_user("member")
    base_url = ws.server.base_url + "/v1"
    with openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=20) as sdk:
        yield sdk


def _assistant(ws: Workspace, fake: FakeProvider) -> tuple[dict[str, Any], dict[str, Any]]:
    """An assistant over a fresh chat model, with a collection of two one-chunk documents."""
    chat = add_model(ws, fake, identifier=unique("chat"), available_in_assistants=True)
    embed = embedding_model(ws, fake)
    with ws.owner() as api:
        collection = new_collection(api, embed["id"])
        add_text(api, collection["id"], "handbook.md", "vec:1,0")
        add_text(api, collection["id"], "other.txt", "vec:0,1")
        body = {
            "name": "Handbook",
            "instructions": INSTRUCTIONS,
            "model_id": chat["id"],
            "knowledge_collection_id": collection["id"],
        }
        assistant = ok(api.post("/api/assistants", json=body), 201)
    assert assistant["knowledge_collection_id"] == collection["id"]
    return assistant, chat


def _upstream_messages(fake: FakeProvider, identifier: str) -> list[list[dict[str, Any]]]:
    return [
        r["body"]["messages"]
        for r in fake.requests()
        if r["path"].endswith("/chat/completions") and r["body"]["model"] == identifier
    ]


def test_the_answer_carries_the_retrieved_context_upstream(
    ws: Workspace, fake: FakeProvider, client: openai.OpenAI
) -> None:
    assistant, chat = _assistant(ws, fake)
    question = [{"role": "user", "content": "vec:1,0"}]
    answer = client.chat.completions.create(model=assistant["slug"], messages=question)
    assert answer.choices[0].message.content == "Echo: vec:1,0"
    ((system, user),) = _upstream_messages(fake, chat["provider_model_name"])
    assert system["role"] == "system" and user == question[0]
    assert system["content"].startswith(INSTRUCTIONS)
    assert "[1] Source: handbook.md\nvec:1,0" in system["content"]
    assert "other.txt" not in system["content"]  # scores 0: below the threshold

    # Streaming goes the same way; a question matching nothing adds no context.
    chunks = client.chat.completions.create(
        model=assistant["slug"], messages=[{"role": "user", "content": "vec:-1,0"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert _upstream_messages(fake, chat["provider_model_name"])[-1][0] == {
        "role": "system",
        "content": INSTRUCTIONS,
    }
    # Two chat calls on the assistant's model; two queries next to the two documents.
    assert len(stored_rows(ws.server, 2, workspace_id=ws.id, model_id=chat["id"])) == 2
    rows = stored_rows(ws.server, 4, workspace_id=ws.id, endpoint="embeddings")
    assert len(rows) == 4 and rows[-1].api_key_id is not None


def test_an_assistant_whose_model_left_assistants_is_refused(
    ws: Workspace, fake: FakeProvider, client: openai.OpenAI
) -> None:
    assistant, chat = _assistant(ws, fake)
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{chat['id']}", json={"available_in_assistants": False}))
    with pytest.raises(openai.ConflictError) as refused:
        client.chat.completions.create(
            model=assistant["slug"], messages=[{"role": "user", "content": "vec:1,0"}]
        )
    assert "no longer available in assistants" in refused.value.message
    assert refused.value.code == "not_available_in_assistants"
    assert _upstream_messages(fake, chat["provider_model_name"]) == []


def test_the_collection_must_be_of_the_workspace_and_stays_while_used(
    ws: Workspace, fake: FakeProvider
) -> None:
    assistant, _chat = _assistant(ws, fake)
    collection_id = assistant["knowledge_collection_id"]
    other = new_workspace(ws.server)
    other_chat = add_model(other, fake, available_in_assistants=True)
    with other.owner() as api:
        body = {"name": "X", "model_id": other_chat["id"], "knowledge_collection_id": collection_id}
        error = error_of(api.post("/api/assistants", json=body), 404)
        assert error["param"] == "knowledge_collection_id"
        error_of(api.post(f"/api/knowledge/{collection_id}/search", json={"query": "x"}), 404)
    with ws.owner() as api:
        error = error_of(api.delete(f"/api/knowledge/{collection_id}"), 409)
        assert "Handbook" in error["message"]
        detached = ok(
            api.patch(f"/api/assistants/{assistant['id']}", json={"knowledge_collection_id": None})
        )
        assert detached["knowledge_collection_id"] is None
        ok(api.delete(f"/api/knowledge/{collection_id}"), 204)
        assert ok(api.get("/api/knowledge")) == []
