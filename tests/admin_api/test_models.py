"""Models of all three kinds, from the catalog and manual, with every field rule."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Workspace, error_of, ok

MANUAL_COMPLETION: dict[str, Any] = {
    "kind": "completion",
    "display_name": "Acme Chat",
    "provider": "openai_compatible",
    "provider_model_name": "acme-chat-1",
    "region": "EU",
    "description_en": "Fast chat model",
    "description_de": "Schnelles Chatmodell",
    "context_window": 32000,
    "max_output_tokens": 4000,
    "input_price": "0.5",
    "output_price": 1.5,
    "cache_read_price": 0.05,
    "cache_write_price": 0.6,
    "capabilities": {"image_analysis": True, "tools": True, "temperature": False},
}
MANUAL_IMAGE: dict[str, Any] = {
    "kind": "image",
    "display_name": "Acme Paint",
    "provider": "openai",
    "provider_model_name": "acme-paint",
    "region": "US",
    "image_price": "0.04",
    "image_editing": True,
    "max_images_per_user": {"count": 50, "window_hours": 3},
}
MANUAL_EMBEDDING: dict[str, Any] = {
    "kind": "embedding",
    "provider": "mistral",
    "provider_model_name": "mistral-embed",
    "similarity_threshold": 0.7,
}


def create(ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    with ws.owner() as api:
        return ok(api.post("/api/models", json=body), 201)


def test_manual_completion_keeps_every_field(ws: Workspace) -> None:
    model = create(ws, MANUAL_COMPLETION)
    assert model["slug"] == "acme-chat"
    assert model["preconfigured"] is False and model["catalog_id"] is None
    assert model["region"] == "EU"
    assert (model["context_window"], model["max_output_tokens"]) == (32000, 4000)
    assert (model["input_price"], model["output_price"]) == (0.5, 1.5)
    assert (model["cache_read_price"], model["cache_write_price"]) == (0.05, 0.6)
    assert model["capabilities"] == {
        "image_analysis": True,
        "canvas": False,
        "tools": True,
        "temperature": False,
        "always_show_reasoning": False,
        "responses_api": False,
    }
    # Rollout defaults: hidden while it is being tested.
    assert model["visible"] is False and model["premium"] is False
    assert model["maintenance"] is False and model["available_in_assistants"] is False
    assert model["image_price"] is None and model["similarity_threshold"] is None
    assert "No deployment: calls fail until one is added." in model["warnings"]
    with ws.owner() as api:
        assert ok(api.get(f"/api/models/{model['id']}")) == model


def test_manual_image_and_embedding(ws: Workspace) -> None:
    image = create(ws, MANUAL_IMAGE)
    assert image["image_price"] == 0.04 and image["image_editing"] is True
    assert image["image_generation"] is True
    assert image["max_images_per_user"] == {"count": 50, "window_hours": 3}
    assert image["context_window"] is None and image["capabilities"] is None
    embedding = create(ws, MANUAL_EMBEDDING)
    assert embedding["display_name"] == "mistral-embed"
    assert embedding["similarity_threshold"] == 0.7
    default = create(ws, {**MANUAL_EMBEDDING, "similarity_threshold": None, "slug": "e2"})
    assert default["similarity_threshold"] == 0.5
    plain = create(ws, {k: v for k, v in MANUAL_EMBEDDING.items() if k != "similarity_threshold"})
    assert plain["similarity_threshold"] == 0.5
    assert "No input price" in " ".join(plain["warnings"])
    with ws.owner() as api:
        kinds = {m["kind"] for m in ok(api.get("/api/models", params={"kind": "image"}))}
    assert kinds == {"image"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description_en": "x" * 151}, "description_en"),
        ({"description_de": "ü" * 151}, "description_de"),
        ({"region": "Mars"}, "region"),
        ({"input_price": -1}, "input_price"),
        ({"output_price": "abc"}, "output_price"),
        ({"context_window": 0}, "context_window"),
        ({"max_output_tokens": 40000}, "max_output_tokens"),
        ({"image_price": 0.1}, "image_price"),
        ({"similarity_threshold": 0.5}, "similarity_threshold"),
        ({"max_images_per_user": {"count": 5, "window_hours": 1}}, "max_images_per_user"),
        ({"provider": "skynet"}, "provider"),
        ({"context_window": None}, "context_window"),
        ({"capabilities": {"telepathy": True}}, "capabilities.telepathy"),
        ({"nonsense": 1}, "nonsense"),
        ({"kind": "video"}, "kind"),
    ],
)
def test_completion_rules_name_the_field(ws: Workspace, change: dict[str, Any], field: str) -> None:
    with ws.owner() as api:
        error = error_of(api.post("/api/models", json={**MANUAL_COMPLETION, **change}), 422)
        assert error["param"] == field, error
        assert ok(api.get("/api/models")) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**MANUAL_EMBEDDING, "similarity_threshold": 0.05}, "similarity_threshold"),
        ({**MANUAL_EMBEDDING, "similarity_threshold": 1.01}, "similarity_threshold"),
        ({**MANUAL_EMBEDDING, "context_window": 8000}, "context_window"),
        ({**MANUAL_EMBEDDING, "available_in_assistants": True}, "available_in_assistants"),
        ({**MANUAL_EMBEDDING, "provider_model_name": None}, "provider_model_name"),
        ({"kind": "embedding", "provider": "mistral"}, "provider_model_name"),
        (
            {**MANUAL_IMAGE, "max_images_per_user": {"count": 0, "window_hours": 3}},
            "max_images_per_user.count",
        ),
        ({**MANUAL_IMAGE, "max_images_per_user": {"count": 5}}, "max_images_per_user.window_hours"),
        ({**MANUAL_IMAGE, "output_price": 1}, "output_price"),
        ({**MANUAL_IMAGE, "capabilities": {"tools": True}}, "capabilities"),
    ],
)
def test_image_and_embedding_rules(ws: Workspace, body: dict[str, Any], field: str) -> None:
    with ws.owner() as api:
        error = error_of(api.post("/api/models", json=body), 422)
        assert error["param"] == field, error


def test_description_limit_is_150_characters(ws: Workspace) -> None:
    model = create(
        ws, {**MANUAL_COMPLETION, "description_en": "x" * 150, "description_de": "ä" * 150}
    )
    assert len(model["description_de"]) == 150


def test_patch_changes_only_what_is_sent(ws: Workspace) -> None:
    model = create(ws, MANUAL_COMPLETION)
    with ws.owner() as api:
        changed = ok(
            api.patch(
                f"/api/models/{model['id']}",
                json={
                    "visible": True,
                    "premium": True,
                    "capabilities": {"canvas": True},
                    "description_de": None,
                },
            )
        )
        assert changed["visible"] is True and changed["premium"] is True
        assert changed["capabilities"]["canvas"] is True
        assert changed["capabilities"]["tools"] is True  # untouched flags stay
        assert changed["description_de"] is None
        assert changed["description_en"] == "Fast chat model"
        error = error_of(
            api.patch(f"/api/models/{model['id']}", json={"max_output_tokens": 99999}), 422
        )
        assert error["param"] == "max_output_tokens"
        error = error_of(api.patch(f"/api/models/{model['id']}", json={"visible": None}), 422)
        assert error["param"] == "visible"
        error = error_of(api.patch(f"/api/models/{model['id']}", json={"kind": "image"}), 422)
        assert error["param"] == "kind"
        assert ok(api.get(f"/api/models/{model['id']}"))["max_output_tokens"] == 4000


def test_slugs_are_unique_per_workspace(ws: Workspace) -> None:
    first = create(ws, MANUAL_COMPLETION)
    second = create(ws, MANUAL_COMPLETION)
    assert (first["slug"], second["slug"]) == ("acme-chat", "acme-chat-2")
    with ws.owner() as api:
        error = error_of(
            api.post("/api/models", json={**MANUAL_COMPLETION, "slug": "acme-chat"}), 409
        )
        assert error["param"] == "slug"
        error = error_of(
            api.post("/api/models", json={**MANUAL_COMPLETION, "slug": "no spaces"}), 422
        )
        assert error["param"] == "slug"
        renamed = ok(api.patch(f"/api/models/{second['id']}", json={"slug": "acme-fast"}))
        assert renamed["slug"] == "acme-fast"


def test_preconfigured_completion_reads_the_catalog(ws: Workspace) -> None:
    with ws.owner() as api:
        entry = ok(api.get("/api/catalog/openai/gpt-4o"))
        model = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "completion",
                    "catalog_id": "openai/gpt-4o",
                    "visible": False,
                    "available_in_assistants": True,
                    "premium": True,
                    "maintenance": True,
                },
            ),
            201,
        )
    assert model["preconfigured"] is True and model["catalog_status"] == "current"
    assert model["display_name"] == entry["display_name"]
    assert model["provider_model_name"] == "gpt-4o"
    assert model["context_window"] == entry["context_window"]
    assert model["input_price"] == float(entry["input_price"])
    assert model["capabilities"] == entry["capabilities"]
    assert model["available_in_assistants"] and model["premium"] and model["maintenance"]


@pytest.mark.parametrize(
    "field_value",
    [
        {"context_window": 1000},
        {"input_price": 0},
        {"capabilities": {"tools": False}},
        {"provider_model_name": "other"},
        {"max_output_tokens": 10},
    ],
)
def test_preconfigured_technical_settings_are_read_only(
    ws: Workspace, field_value: dict[str, Any]
) -> None:
    (field,) = field_value
    with ws.owner() as api:
        error = error_of(
            api.post(
                "/api/models",
                json={"kind": "completion", "catalog_id": "openai/gpt-4o", **field_value},
            ),
            422,
        )
        assert error["param"] == field and error["code"] == "read_only_from_catalog"
        model = ok(
            api.post("/api/models", json={"kind": "completion", "catalog_id": "openai/gpt-4o"}), 201
        )
        error = error_of(api.patch(f"/api/models/{model['id']}", json=field_value), 422)
        assert error["param"] == field


def test_preconfigured_image_and_embedding(ws: Workspace) -> None:
    with ws.owner() as api:
        images = ok(api.get("/api/catalog", params={"kind": "image"}))
        embeddings = ok(
            api.get("/api/catalog", params={"kind": "embedding", "q": "text-embedding-3-small"})
        )
        assert images and embeddings
        image = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "image",
                    "catalog_id": images[0]["id"],
                    "region": "EU",
                    "visible": True,
                    "max_images_per_user": {"count": 50, "window_hours": 3},
                },
            ),
            201,
        )
        assert image["region"] == "EU" and image["max_images_per_user"]["count"] == 50
        embedding = ok(
            api.post(
                "/api/models",
                json={"kind": "embedding", "catalog_id": embeddings[0]["id"], "visible": True},
            ),
            201,
        )
        assert embedding["similarity_threshold"] == 0.5
        assert embedding["embedding_dimensions"] == 1536
        error = error_of(
            api.post("/api/models", json={"kind": "image", "catalog_id": embeddings[0]["id"]}), 422
        )
        assert error["param"] == "catalog_id"
        error = error_of(
            api.post("/api/models", json={"kind": "completion", "catalog_id": "openai/nope"}), 422
        )
        assert error["param"] == "catalog_id"


def test_catalog_search(ws: Workspace) -> None:
    with ws.owner() as api:
        found = ok(api.get("/api/catalog", params={"kind": "completion", "q": "claude"}))
        assert found and all(e["kind"] == "completion" for e in found)
        assert all("claude" in (e["id"] + e["display_name"]).lower() for e in found)
        error = error_of(api.get("/api/catalog", params={"kind": "video"}), 422)
        assert error["param"] == "kind"
        error_of(api.get("/api/catalog/openai/does-not-exist"), 404)


def test_delete_model(ws: Workspace) -> None:
    model = create(ws, MANUAL_COMPLETION)
    with ws.owner() as api:
        ok(api.delete(f"/api/models/{model['id']}"), 204)
        error_of(api.get(f"/api/models/{model['id']}"), 404)
        error_of(api.delete(f"/api/models/{model['id']}"), 404)
