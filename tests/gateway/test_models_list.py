"""``GET /v1/models``: what members see, with our extra fields."""

from __future__ import annotations

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, sdk
from tests.support import Workspace, ok


def test_members_see_visible_models_with_metadata(ws: Workspace, fake: FakeProvider) -> None:
    shown = add_model(
        ws,
        fake,
        identifier="fake-model",
        region="EU",
        description_en="Fast",
        description_de="Schnell",
        capabilities={"tools": True},
    )
    add_model(ws, fake, identifier="fake-model", display_name="Secret", visible=False)
    image = add_model(ws, fake, kind="image", identifier="gpt-image-1", image_editing=True)
    _, member_key = ws.add_user("member")
    listed = {m.id: m.model_dump() for m in sdk(ws, member_key).models.list()}
    assert set(listed) == {shown["slug"], image["slug"]}
    entry = listed[shown["slug"]]
    assert entry["kind"] == "completion" and entry["region"] == "EU"
    assert entry["description"] == {"en": "Fast", "de": "Schnell"}
    assert entry["capabilities"]["tools"] is True
    assert listed[image["slug"]]["capabilities"] == {
        "image_generation": True,
        "image_editing": True,
    }


def test_assistants_are_listed(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fake-model", available_in_assistants=True)
    with ws.owner() as api:
        assistant = ok(
            api.post("/api/assistants", json={"name": "Helper", "model_id": model["id"]}), 201
        )
    listed = {m.id: m.model_dump() for m in sdk(ws).models.list()}
    assert listed[assistant["slug"]]["kind"] == "assistant"
    assert listed[assistant["slug"]]["model"] == model["slug"]
