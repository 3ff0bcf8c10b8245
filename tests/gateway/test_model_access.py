"""Model access by group, end to end: admin changes through ``/api``, calls with the OpenAI SDK.

A member outside a restricted model's groups does not see it in ``/v1/models`` and gets 404
calling it; a member of one of them sees and calls it; admins and owners always may; a change
of membership or access applies to the very next call.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace, error_of, ok

MESSAGES: Any = [{"role": "user", "content": "hello"}]


def _listed(ws: Workspace, key: str) -> set[str]:
    return {m.id for m in sdk(ws, key).models.list()}


def _calls(ws: Workspace, key: str, slug: str) -> bool:
    """True when the call is answered; False on the 404 of a model the caller may not use."""
    try:
        sdk(ws, key).chat.completions.create(model=slug, messages=MESSAGES)
    except openai.NotFoundError as missing:
        assert missing.body["param"] == "model"  # type: ignore[index]
        return False
    return True


def _group(ws: Workspace, name: str, members: list[str]) -> str:
    with ws.owner() as api:
        group = ok(api.post("/api/groups", json={"name": name}), 201)
        ok(api.put(f"/api/groups/{group['id']}/members", json={"user_ids": members}))
    return str(group["id"])


def test_members_outside_the_groups_neither_see_nor_call(ws: Workspace, fake: FakeProvider) -> None:
    inside, inside_key = ws.add_user()
    _, outside_key = ws.add_user()
    _, admin_key = ws.add_user("admin")
    team = _group(ws, "Team", [inside])
    open_model = add_model(ws, fake, display_name="Open")
    secret = add_model(
        ws, fake, display_name="Team only", access={"mode": "groups", "group_ids": [team]}
    )
    assert _listed(ws, outside_key) == {open_model["slug"]}
    assert not _calls(ws, outside_key, secret["slug"])
    assert _calls(ws, outside_key, open_model["slug"])
    assert _listed(ws, inside_key) == {open_model["slug"], secret["slug"]}
    assert _calls(ws, inside_key, secret["slug"])
    for key in (admin_key, ws.owner_key):
        assert secret["slug"] in _listed(ws, key)
        assert _calls(ws, key, secret["slug"])


def test_membership_changes_apply_to_the_next_call(ws: Workspace, fake: FakeProvider) -> None:
    member, key = ws.add_user()
    team = _group(ws, "Team", [])
    model = add_model(ws, fake, access={"mode": "groups", "group_ids": [team]})
    assert not _calls(ws, key, model["slug"])
    with ws.owner() as api:
        ok(api.put(f"/api/groups/{team}/members", json={"user_ids": [member]}))
    assert _calls(ws, key, model["slug"])
    with ws.owner() as api:
        ok(api.put(f"/api/groups/{team}/members", json={"user_ids": []}))
    assert not _calls(ws, key, model["slug"])
    assert model["slug"] not in _listed(ws, key)
    # Opened to everyone: the member may call it again.
    with ws.owner() as api:
        ok(api.patch(f"/api/models/{model['id']}", json={"access": {"mode": "everyone"}}))
    assert _calls(ws, key, model["slug"])


def test_bulk_assignment_and_group_deletion(ws: Workspace, fake: FakeProvider) -> None:
    member, key = ws.add_user()
    _, other_key = ws.add_user()
    team = _group(ws, "Team", [member])
    models = [add_model(ws, fake, display_name=f"M{i}") for i in range(3)]
    with ws.owner() as api:
        given = ok(
            api.put(f"/api/groups/{team}/models", json={"model_ids": [m["id"] for m in models]})
        )
    assert len(given["restricted"]) == 3
    slugs = {m["slug"] for m in models}
    assert _listed(ws, key) == slugs
    assert _listed(ws, other_key) == set()
    with ws.owner() as api:
        deleted = ok(api.delete(f"/api/groups/{team}"))
        assert {m["slug"] for m in deleted["admins_only"]} == slugs
        assert ok(api.get(f"/api/users/{member}"))["group_ids"] == []
    # No group has them any more: admins and owners only.
    assert _listed(ws, key) == set()
    assert not _calls(ws, key, models[0]["slug"])
    assert _calls(ws, ws.owner_key, models[0]["slug"])


def test_embeddings_and_images_follow_the_rule(ws: Workspace, fake: FakeProvider) -> None:
    _, key = ws.add_user()
    team = _group(ws, "Team", [])
    restricted = {"mode": "groups", "group_ids": [team]}
    embedding = add_model(ws, fake, kind="embedding", identifier="fake-embed-8", access=restricted)
    image = add_model(ws, fake, kind="image", identifier="gpt-image-1", access=restricted)
    assert _listed(ws, key) == set()
    with pytest.raises(openai.NotFoundError):
        sdk(ws, key).embeddings.create(model=embedding["slug"], input="hi")
    with pytest.raises(openai.NotFoundError):
        sdk(ws, key).images.generate(model=image["slug"], prompt="a cat")
    assert sdk(ws).embeddings.create(model=embedding["slug"], input="hi").data


def test_default_model_only_among_usable_ones(ws: Workspace, fake: FakeProvider) -> None:
    member, key = ws.add_user()
    team = _group(ws, "Team", [])
    model = add_model(ws, fake, access={"mode": "groups", "group_ids": [team]})
    with ws.server.client(key) as me:
        error = error_of(me.put("/api/me/default-model", json={"model_id": model["id"]}), 404)
        assert error["param"] == "model_id"
        assert ok(me.get("/api/me/default-model"))["model_id"] is None
    with ws.owner() as api:
        ok(api.put(f"/api/groups/{team}/members", json={"user_ids": [member]}))
    with ws.server.client(key) as me:
        chosen = ok(me.put("/api/me/default-model", json={"model_id": model["id"]}))
        assert chosen["model_id"] == model["id"]
    answer = sdk(ws, key).chat.completions.create(model="", messages=MESSAGES)
    assert answer.choices[0].message.content
    # Leaving the group: the default no longer answers for them.
    with ws.owner() as api:
        ok(api.put(f"/api/groups/{team}/members", json={"user_ids": []}))
    with pytest.raises(openai.BadRequestError):
        sdk(ws, key).chat.completions.create(model="", messages=MESSAGES)
    # The owner may pick it (admins are never restricted).
    with ws.owner() as api:
        assert ok(api.put("/api/me/default-model", json={"model_id": model["id"]}))["model_id"]


def test_assistants_over_a_restricted_model(ws: Workspace, fake: FakeProvider) -> None:
    inside, inside_key = ws.add_user()
    _, outside_key = ws.add_user()
    team = _group(ws, "Team", [inside])
    model = add_model(
        ws, fake, available_in_assistants=True, access={"mode": "groups", "group_ids": [team]}
    )
    with ws.owner() as api:  # admins build assistants, on any model
        assistant = ok(
            api.post("/api/assistants", json={"name": "Helper", "model_id": model["id"]}), 201
        )
    with ws.server.client(outside_key) as outside:
        assert ok(outside.get("/api/assistants")) == []
    assert assistant["slug"] not in _listed(ws, outside_key)
    assert not _calls(ws, outside_key, assistant["slug"])
    with ws.server.client(inside_key) as member:
        assert [a["id"] for a in ok(member.get("/api/assistants"))] == [assistant["id"]]
    assert assistant["slug"] in _listed(ws, inside_key)
    assert _calls(ws, inside_key, assistant["slug"])
