"""Assistants over HTTP: which models may back them, the canvas tool, slugs, and who may do what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import Workspace, create_chat_model, error_of, ok


def _model(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    """A manual completion model made available in assistants unless ``extra`` says otherwise."""
    return create_chat_model(api, **({"available_in_assistants": True} | extra))


def _assistant(api: httpx.Client, model_id: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Helper", "instructions": "Be brief.", "model_id": model_id}
    return ok(api.post("/api/assistants", json=body | extra), 201)


def test_create_with_an_assistant_model(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api)
        assistant = _assistant(api, model["id"])
        assert assistant["id"]
        assert assistant["slug"]
        assert (assistant["name"], assistant["instructions"]) == ("Helper", "Be brief.")
        assert (assistant["model_id"], assistant["tools"]) == (model["id"], [])
        assert ok(api.get("/api/assistants")) == [assistant]


def test_explicit_slug_and_default_instructions(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api)
        assistant = ok(
            api.post(
                "/api/assistants",
                json={"name": "Writer", "model_id": model["id"], "slug": "team-writer"},
            ),
            201,
        )
    assert (assistant["slug"], assistant["instructions"]) == ("team-writer", "")


def test_model_not_available_in_assistants_is_refused(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api, available_in_assistants=False)
        error = error_of(
            api.post("/api/assistants", json={"name": "A", "model_id": model["id"]}), 422
        )
        assert error["param"] == "model_id"
        assert "assistant" in error["message"]
        assert ok(api.get("/api/assistants")) == []


@pytest.mark.parametrize(
    "body",
    [
        {
            "kind": "embedding",
            "provider": "openai",
            "provider_model_name": "text-embedding-3-small",
        },
        {"kind": "image", "provider": "openai", "provider_model_name": "gpt-image-1"},
    ],
)
def test_non_completion_model_is_refused(ws: Workspace, body: dict[str, Any]) -> None:
    with ws.owner() as api:
        model = ok(api.post("/api/models", json=body | {"visible": True}), 201)
        error = error_of(
            api.post("/api/assistants", json={"name": "A", "model_id": model["id"]}), 422
        )
        assert error["param"] == "model_id"
        assert ok(api.get("/api/assistants")) == []


def test_unknown_model_is_404(ws: Workspace) -> None:
    with ws.owner() as api:
        error = error_of(api.post("/api/assistants", json={"name": "A", "model_id": "mdl_no"}), 404)
        assert error["param"] == "model_id"
        assert ok(api.get("/api/assistants")) == []


def test_canvas_tool_needs_a_canvas_model(ws: Workspace) -> None:
    with ws.owner() as api:
        plain = _model(api, display_name="Plain", capabilities={"tools": True})
        canvas = _model(api, display_name="Canvas", capabilities={"canvas": True})
        body = {"name": "Doc writer", "model_id": plain["id"], "tools": ["canvas"]}
        error = error_of(api.post("/api/assistants", json=body), 422)
        assert error["param"] == "tools"
        assert "canvas" in error["message"]
        assert ok(api.get("/api/assistants")) == []
        created = ok(api.post("/api/assistants", json=body | {"model_id": canvas["id"]}), 201)
        assert created["tools"] == ["canvas"]
        # Repeats collapse to one tool.
        twice = body | {"name": "Twice", "model_id": canvas["id"], "tools": ["canvas", "canvas"]}
        assert ok(api.post("/api/assistants", json=twice), 201)["tools"] == ["canvas"]


def test_canvas_tool_on_a_preconfigured_canvas_model(ws: Workspace) -> None:
    with ws.owner() as api:
        model = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "completion",
                    "catalog_id": "openai/gpt-4o",
                    "available_in_assistants": True,
                },
            ),
            201,
        )
        assert model["capabilities"]["canvas"] is True
        assistant = _assistant(api, model["id"], tools=["canvas"])
    assert assistant["tools"] == ["canvas"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"tools": ["web_search"]}, "tools"),
        ({"tools": "canvas"}, "tools"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_422(ws: Workspace, extra: dict[str, Any], field: str) -> None:
    with ws.owner() as api:
        model = _model(api, capabilities={"canvas": True})
        body = {"name": "A", "model_id": model["id"]} | extra
        error = error_of(api.post("/api/assistants", json=body), 422)
        assert error["param"] is not None and error["param"].startswith(field), error
        assert ok(api.get("/api/assistants")) == []


def test_missing_model_id_is_422(ws: Workspace) -> None:
    with ws.owner() as api:
        error = error_of(api.post("/api/assistants", json={"name": "A"}), 422)
    assert error["param"] == "model_id"


def test_patch_name_instructions_and_model(ws: Workspace) -> None:
    with ws.owner() as api:
        first = _model(api, display_name="First")
        second = _model(api, display_name="Second")
        assistant = _assistant(api, first["id"])
        path = f"/api/assistants/{assistant['id']}"
        renamed = ok(api.patch(path, json={"name": "Renamed"}))
        assert (renamed["name"], renamed["instructions"]) == ("Renamed", "Be brief.")
        assert renamed["slug"] == assistant["slug"]
        instructed = ok(api.patch(path, json={"instructions": "Answer in German."}))
        assert (instructed["name"], instructed["instructions"]) == ("Renamed", "Answer in German.")
        moved = ok(api.patch(path, json={"model_id": second["id"]}))
        assert moved["model_id"] == second["id"]
        assert (moved["name"], moved["instructions"]) == ("Renamed", "Answer in German.")
        assert ok(api.get("/api/assistants")) == [moved]


def test_patch_keeps_the_model_rules(ws: Workspace) -> None:
    with ws.owner() as api:
        canvas = _model(api, display_name="Canvas", capabilities={"canvas": True})
        plain = _model(api, display_name="Plain")
        hidden_from_assistants = _model(api, display_name="Solo", available_in_assistants=False)
        assistant = _assistant(api, canvas["id"], tools=["canvas"])
        path = f"/api/assistants/{assistant['id']}"
        error = error_of(api.patch(path, json={"model_id": plain["id"]}), 422)
        assert error["param"] == "tools"
        error = error_of(api.patch(path, json={"model_id": hidden_from_assistants["id"]}), 422)
        assert error["param"] == "model_id"
        error = error_of(api.patch(path, json={"model_id": "mdl_nope"}), 404)
        assert error["param"] == "model_id"
        for field in ("name", "model_id", "tools"):
            error = error_of(api.patch(path, json={field: None}), 422)
            assert error["param"] == field
        error = error_of(api.patch(path, json={"tools": ["browser"]}), 422)
        assert error["param"].startswith("tools")
        assert ok(api.get("/api/assistants")) == [assistant]
        # Dropping the tool and moving to the plain model in one change is fine.
        moved = ok(api.patch(path, json={"model_id": plain["id"], "tools": []}))
        assert (moved["model_id"], moved["tools"]) == (plain["id"], [])
        added = error_of(api.patch(path, json={"tools": ["canvas"]}), 422)
        assert added["param"] == "tools"


def test_patch_unknown_assistant_is_404(ws: Workspace) -> None:
    with ws.owner() as api:
        error_of(api.patch("/api/assistants/ast_nope", json={"name": "x"}), 404)
        error_of(api.delete("/api/assistants/ast_nope"), 404)


def test_delete(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api)
        keep = _assistant(api, model["id"], name="Keep")
        gone = _assistant(api, model["id"], name="Gone")
        ok(api.delete(f"/api/assistants/{gone['id']}"), 204)
        assert ok(api.get("/api/assistants")) == [keep]
        error_of(api.delete(f"/api/assistants/{gone['id']}"), 404)
        error_of(api.patch(f"/api/assistants/{gone['id']}", json={"name": "x"}), 404)
        # The freed slug can be used again.
        again = _assistant(api, model["id"], name="Other", slug=gone["slug"])
    assert again["slug"] == gone["slug"]


def test_members_list_but_cannot_change(ws: Workspace) -> None:
    _, member_key = ws.add_user("member")
    with ws.owner() as api:
        model = _model(api)
        assistant = _assistant(api, model["id"])
    with ws.server.client(member_key) as member:
        assert ok(member.get("/api/assistants")) == [assistant]
        body = {"name": "Mine", "model_id": model["id"]}
        assert (
            error_of(member.post("/api/assistants", json=body), 403)["type"] == "permission_error"
        )
        path = f"/api/assistants/{assistant['id']}"
        error_of(member.patch(path, json={"name": "Hijacked"}), 403)
        error_of(member.delete(path), 403)
    with ws.owner() as api:
        assert ok(api.get("/api/assistants")) == [assistant]


def test_admin_can_manage_assistants(ws: Workspace) -> None:
    _, admin_key = ws.add_user("admin")
    with ws.owner() as api:
        model = _model(api)
    with ws.server.client(admin_key) as admin:
        assistant = _assistant(admin, model["id"])
        ok(admin.patch(f"/api/assistants/{assistant['id']}", json={"name": "B"}))
        ok(admin.delete(f"/api/assistants/{assistant['id']}"), 204)


def test_assistant_slug_never_collides_with_a_model_slug(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api, display_name="assistant-helper")
        assert model["slug"] == "assistant-helper"
        derived = _assistant(api, model["id"], name="helper")
        assert derived["slug"] != model["slug"]
        namesake = _assistant(api, model["id"], name="Helper")
        assert namesake["slug"] not in {model["slug"], derived["slug"]}
        error = error_of(
            api.post(
                "/api/assistants",
                json={"name": "Clash", "model_id": model["id"], "slug": model["slug"]},
            ),
            409,
        )
        assert error["param"] == "slug"
        # The other way round: models cannot take an assistant's slug either.
        twin = _model(api, display_name=derived["slug"])
        assert twin["slug"] not in {model["slug"], derived["slug"]}
        error = error_of(
            api.post(
                "/api/models",
                json={"kind": "completion", "catalog_id": "openai/gpt-4o", "slug": derived["slug"]},
            ),
            409,
        )
        assert error["param"] == "slug"
        error = error_of(
            api.patch(f"/api/models/{twin['id']}", json={"slug": derived["slug"]}), 409
        )
        assert error["param"] == "slug"
        slugs = [m["slug"] for m in ok(api.get("/api/models"))]
        slugs += [a["slug"] for a in ok(api.get("/api/assistants"))]
    assert len(slugs) == len(set(slugs)) == 4


def test_deleting_a_model_that_backs_an_assistant_is_409(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api)
        assistant = _assistant(api, model["id"], name="Support Bot")
        error = error_of(api.delete(f"/api/models/{model['id']}"), 409)
        assert error["type"] == "conflict_error"
        assert "Support Bot" in error["message"]
        assert ok(api.get(f"/api/models/{model['id']}"))["id"] == model["id"]
        assert ok(api.get("/api/assistants")) == [assistant]
        ok(api.delete(f"/api/assistants/{assistant['id']}"), 204)
        ok(api.delete(f"/api/models/{model['id']}"), 204)
        error_of(api.get(f"/api/models/{model['id']}"), 404)
