"""Users over HTTP: creation rules, listing, changes, their keys, and personal default models."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import Workspace, create_chat_model, error_of, ok


def _model(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    """A manual completion model, visible (usable as a default) unless ``extra`` says otherwise."""
    return create_chat_model(api, **extra)


def _emails(api: httpx.Client) -> list[str]:
    return [u["email"] for u in ok(api.get("/api/users"))]


# --- create, list, patch ------------------------------------------------------------------


def test_create_normalises_email_and_lists_the_user(ws: Workspace) -> None:
    with ws.owner() as api:
        user = ok(
            api.post(
                "/api/users",
                json={"email": "  Alice.Smith@Example.COM ", "name": "Alice", "role": "admin"},
            ),
            201,
        )
        assert user["email"] == "alice.smith@example.com"
        assert (user["name"], user["role"], user["language"]) == ("Alice", "admin", "en")
        assert user["default_model_id"] is None
        assert not {"password", "password_hash"} & set(user)
        listed = ok(api.get("/api/users"))
    assert [u["id"] for u in listed] == [ws.owner_id, user["id"]]
    assert listed[1] == user


def test_defaults_of_a_new_user(ws: Workspace) -> None:
    with ws.owner() as api:
        user = ok(api.post("/api/users", json={"email": "plain@example.com"}), 201)
    assert (user["name"], user["role"], user["language"]) == ("", "member", "en")


def test_duplicate_email_is_409_whatever_the_case(ws: Workspace) -> None:
    with ws.owner() as api:
        ok(api.post("/api/users", json={"email": "bob@example.com"}), 201)
        for email in ("bob@example.com", "BOB@Example.com", " Bob@example.com"):
            error = error_of(api.post("/api/users", json={"email": email}), 409)
            assert error["param"] == "email", error
            assert error["type"] == "conflict_error"
            assert "bob@example.com" in error["message"]
        assert _emails(api).count("bob@example.com") == 1


def test_owner_email_counts_as_taken(ws: Workspace) -> None:
    with ws.owner() as api:
        owner_email = ok(api.get("/api/me"))["email"]
        error = error_of(api.post("/api/users", json={"email": owner_email.upper()}), 409)
    assert error["param"] == "email"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "two@at@example.com"}, "email"),
        ({"email": "with space@example.com"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "@example.com"}, "email"),
        ({"name": "No Email"}, "email"),
        ({"email": "r@example.com", "role": "superuser"}, "role"),
        ({"email": "r@example.com", "role": "Admin"}, "role"),
        ({"email": "l@example.com", "language": "fr"}, "language"),
        ({"email": "n@example.com", "name": "x" * 201}, "name"),
        ({"email": "p@example.com", "password": "short"}, "password"),
        ({"email": "p@example.com", "password": "1234567"}, "password"),
        ({"email": "p@example.com", "password": ""}, "password"),
        ({"email": "c@example.com", "colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_422_naming_the_field(ws: Workspace, body: dict[str, Any], field: str) -> None:
    with ws.owner() as api:
        error = error_of(api.post("/api/users", json=body), 422)
        assert error["param"] == field, (body, error)
        assert error["type"] == "invalid_request_error"
        if "password" in body:
            assert body["password"] not in error["message"] or not body["password"]
            assert "8" in error["message"]
        assert [u["id"] for u in ok(api.get("/api/users"))] == [ws.owner_id]


def test_password_of_eight_characters_is_accepted(ws: Workspace) -> None:
    with ws.owner() as api:
        user = ok(
            api.post("/api/users", json={"email": "pw@example.com", "password": "12345678"}), 201
        )
    assert "password" not in user and "password_hash" not in user


def test_patch_name_role_language(ws: Workspace) -> None:
    with ws.owner() as api:
        user = ok(api.post("/api/users", json={"email": "carol@example.com", "name": "Carol"}), 201)
        renamed = ok(api.patch(f"/api/users/{user['id']}", json={"name": "Carol B."}))
        assert (renamed["name"], renamed["role"], renamed["language"]) == (
            "Carol B.",
            "member",
            "en",
        )
        promoted = ok(api.patch(f"/api/users/{user['id']}", json={"role": "admin"}))
        assert (promoted["name"], promoted["role"]) == ("Carol B.", "admin")
        german = ok(api.patch(f"/api/users/{user['id']}", json={"language": "de"}))
        assert (german["role"], german["language"]) == ("admin", "de")
        both = ok(api.patch(f"/api/users/{user['id']}", json={"name": "C", "role": "member"}))
        assert (both["name"], both["role"], both["language"]) == ("C", "member", "de")
        assert both["email"] == "carol@example.com"
        listed = {u["id"]: u for u in ok(api.get("/api/users"))}
    assert listed[user["id"]] == both


def test_patch_refuses_bad_input(ws: Workspace) -> None:
    with ws.owner() as api:
        user = ok(api.post("/api/users", json={"email": "dave@example.com", "name": "Dave"}), 201)
        cases = [
            ({"role": "root"}, "role"),
            ({"language": "xx"}, "language"),
            ({"password": "short"}, "password"),
            ({"role": "admin", "name": "Changed", "password": "short"}, "password"),
            ({"email": "other@example.com"}, "email"),
            ({"colour": "red"}, "colour"),
        ]
        for body, field in cases:
            error = error_of(api.patch(f"/api/users/{user['id']}", json=body), 422)
            assert error["param"] == field, (body, error)
        unchanged = {u["id"]: u for u in ok(api.get("/api/users"))}[user["id"]]
        assert unchanged == user
        error = error_of(api.patch("/api/users/usr_doesnotexist", json={"name": "x"}), 404)
        assert error["type"] == "not_found_error"


def test_new_members_api_key_works(ws: Workspace) -> None:
    member_id, member_key = ws.add_user("member", email="Member.One@Example.com")
    with ws.server.client(member_key) as member:
        me = ok(member.get("/api/me"))
        assert (me["id"], me["email"], me["role"]) == (
            member_id,
            "member.one@example.com",
            "member",
        )
        error_of(member.get("/api/users"), 403)
    with ws.owner() as api:
        me = ok(api.get("/api/me"))
    assert me["id"] == ws.owner_id


def test_anyone_changes_their_own_name_and_language_but_not_their_role(ws: Workspace) -> None:
    member_id, member_key = ws.add_user("member")
    with ws.server.client(member_key) as member:
        me = ok(member.patch("/api/me", json={"name": "Mia", "language": "de"}))
        assert (me["id"], me["name"], me["language"]) == (member_id, "Mia", "de")
        error = error_of(member.patch("/api/me", json={"role": "owner"}), 403)
        assert error["param"] == "role"
        error = error_of(member.patch("/api/me", json={"language": "fr"}), 422)
        assert error["param"] == "language"
        assert error_of(member.patch("/api/me", json={"language": None}), 422)["param"] == (
            "language"
        )
        assert ok(member.get("/api/me"))["role"] == "member"
        assert ok(member.get("/api/me"))["language"] == "de"


def test_new_admin_key_can_administer(ws: Workspace) -> None:
    admin_id, admin_key = ws.add_user("admin")
    with ws.server.client(admin_key) as admin:
        assert ok(admin.get("/api/me"))["id"] == admin_id
        assert admin_id in {u["id"] for u in ok(admin.get("/api/users"))}


# --- personal default model ---------------------------------------------------------------


def test_default_model_starts_empty(ws: Workspace) -> None:
    with ws.owner() as api:
        assert ok(api.get("/api/me/default-model")) == {"model_id": None, "slug": None}


def test_visible_non_premium_completion_model_is_accepted(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api)
        chosen = ok(api.put("/api/me/default-model", json={"model_id": model["id"]}))
        assert chosen == {"model_id": model["id"], "slug": model["slug"]}
        assert ok(api.get("/api/me/default-model")) == chosen
        assert ok(api.get("/api/me"))["default_model_id"] == model["id"]


def test_preconfigured_model_can_be_a_default(ws: Workspace) -> None:
    with ws.owner() as api:
        model = ok(
            api.post(
                "/api/models",
                json={"kind": "completion", "catalog_id": "openai/gpt-4o", "visible": True},
            ),
            201,
        )
        chosen = ok(api.put("/api/me/default-model", json={"model_id": model["id"]}))
    assert chosen == {"model_id": model["id"], "slug": model["slug"]}


@pytest.mark.parametrize(
    ("extra", "reason_words"),
    [
        ({"premium": True}, ("premium",)),
        ({"visible": False}, ("hidden", "visible", "not available")),
        ({"maintenance": True}, ("maintenance",)),
    ],
)
def test_unusable_completion_model_is_refused(
    ws: Workspace, extra: dict[str, Any], reason_words: tuple[str, ...]
) -> None:
    with ws.owner() as api:
        good = _model(api, display_name="Good")
        bad = _model(api, display_name="Bad", **extra)
        ok(api.put("/api/me/default-model", json={"model_id": good["id"]}))
        error = error_of(api.put("/api/me/default-model", json={"model_id": bad["id"]}), 422)
        assert error["param"] == "model_id"
        assert error["type"] == "invalid_request_error"
        assert any(word in error["message"].lower() for word in reason_words), error
        # The refused choice leaves the previous default in place.
        assert ok(api.get("/api/me/default-model")) == {
            "model_id": good["id"],
            "slug": good["slug"],
        }


def test_embedding_model_is_refused(ws: Workspace) -> None:
    with ws.owner() as api:
        embedding = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "embedding",
                    "provider": "openai",
                    "provider_model_name": "text-embedding-3-small",
                    "visible": True,
                },
            ),
            201,
        )
        error = error_of(api.put("/api/me/default-model", json={"model_id": embedding["id"]}), 422)
        assert error["param"] == "model_id"
        assert "completion" in error["message"]
        assert ok(api.get("/api/me/default-model")) == {"model_id": None, "slug": None}


def test_image_model_is_refused(ws: Workspace) -> None:
    with ws.owner() as api:
        image = ok(
            api.post(
                "/api/models",
                json={
                    "kind": "image",
                    "provider": "openai",
                    "provider_model_name": "gpt-image-1",
                    "visible": True,
                },
            ),
            201,
        )
        error = error_of(api.put("/api/me/default-model", json={"model_id": image["id"]}), 422)
    assert error["param"] == "model_id"
    assert "completion" in error["message"]


def test_unknown_model_is_404_and_bad_body_422(ws: Workspace) -> None:
    with ws.owner() as api:
        error = error_of(api.put("/api/me/default-model", json={"model_id": "mdl_nope"}), 404)
        assert error["param"] == "model_id"
        assert error["type"] == "not_found_error"
        assert error_of(api.put("/api/me/default-model", json={}), 422)["param"] == "model_id"
        body = {"model_id": None, "colour": "x"}
        assert error_of(api.put("/api/me/default-model", json=body), 422)["param"] == "colour"
        assert ok(api.get("/api/me/default-model")) == {"model_id": None, "slug": None}


def test_null_clears_the_default(ws: Workspace) -> None:
    with ws.owner() as api:
        model = _model(api)
        ok(api.put("/api/me/default-model", json={"model_id": model["id"]}))
        cleared = ok(api.put("/api/me/default-model", json={"model_id": None}))
        assert cleared == {"model_id": None, "slug": None}
        assert ok(api.get("/api/me/default-model")) == cleared
        assert ok(api.get("/api/me"))["default_model_id"] is None


def test_deleting_the_model_clears_the_default(ws: Workspace) -> None:
    _, member_key = ws.add_user("member")
    with ws.owner() as api, ws.server.client(member_key) as member:
        model = _model(api)
        other = _model(api, display_name="Other")
        ok(api.put("/api/me/default-model", json={"model_id": model["id"]}))
        ok(member.put("/api/me/default-model", json={"model_id": model["id"]}))
        ok(api.delete(f"/api/models/{model['id']}"), 204)
        assert ok(api.get("/api/me/default-model")) == {"model_id": None, "slug": None}
        assert ok(member.get("/api/me/default-model")) == {"model_id": None, "slug": None}
        assert all(u["default_model_id"] is None for u in ok(api.get("/api/users")))
        # Another model is unaffected and can be chosen afterwards.
        again = ok(api.put("/api/me/default-model", json={"model_id": other["id"]}))
    assert again == {"model_id": other["id"], "slug": other["slug"]}


def test_member_sets_their_own_default(ws: Workspace) -> None:
    member_id, member_key = ws.add_user("member")
    with ws.owner() as api:
        model = _model(api)
        premium = _model(api, display_name="Premium", premium=True)
    with ws.server.client(member_key) as member:
        assert ok(member.get("/api/me/default-model")) == {"model_id": None, "slug": None}
        chosen = ok(member.put("/api/me/default-model", json={"model_id": model["id"]}))
        assert chosen == {"model_id": model["id"], "slug": model["slug"]}
        assert ok(member.get("/api/me/default-model")) == chosen
        error = error_of(member.put("/api/me/default-model", json={"model_id": premium["id"]}), 422)
        assert error["param"] == "model_id"
    with ws.owner() as api:
        # Personal: the owner's own default is untouched, the member's shows in the user list.
        assert ok(api.get("/api/me/default-model")) == {"model_id": None, "slug": None}
        listed = {u["id"]: u for u in ok(api.get("/api/users"))}
    assert listed[member_id]["default_model_id"] == model["id"]
