"""``/api/groups``, the model field ``access`` and ``/api/models/{id}/access``, through HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from modelyard.storage.tables import WorkspaceRow
from modelyard.workspace import groups
from tests.support import Workspace, create_chat_model, error_of, new_workspace, ok


def _group(api: httpx.Client, name: str, **extra: Any) -> dict[str, Any]:
    return ok(api.post("/api/groups", json={"name": name, **extra}), 201)  # type: ignore[no-any-return]


def _version(ws: Workspace) -> int:
    with ws.server.services.session() as session:
        return int(
            session.scalar(select(WorkspaceRow.config_version).where(WorkspaceRow.id == ws.id)) or 0
        )


def test_crud_and_audit(ws: Workspace) -> None:
    with ws.owner() as api:
        before = _version(ws)
        sales = _group(api, "Sales", description="The sales team")
        assert _version(ws) > before
        assert sales["name"] == "Sales" and sales["description"] == "The sales team"
        assert sales["member_ids"] == [] and sales["model_ids"] == []
        eng = _group(api, "engineering")
        assert [g["name"] for g in ok(api.get("/api/groups"))] == ["engineering", "Sales"]
        detail = ok(api.get(f"/api/groups/{sales['id']}"))
        assert detail["members"] == [] and detail["models"] == []

        changed = ok(api.patch(f"/api/groups/{eng['id']}", json={"name": "Engineering"}))
        assert changed["name"] == "Engineering" and changed["description"] == ""
        ok(api.patch(f"/api/groups/{eng['id']}", json={"description": "builders"}))
        assert ok(api.get(f"/api/groups/{eng['id']}"))["description"] == "builders"

        deleted = ok(api.delete(f"/api/groups/{eng['id']}"))
        assert deleted == {"id": eng["id"], "admins_only": []}
        error_of(api.get(f"/api/groups/{eng['id']}"), 404)
        actions = [(r["action"], r["target_id"]) for r in ok(api.get("/api/audit"))]
    for action in ("group.create", "group.update", "group.delete"):
        assert (action, eng["id"]) in actions
    assert ("group.create", sales["id"]) in actions


def test_name_unique_ignoring_case(ws: Workspace) -> None:
    with ws.owner() as api:
        first = _group(api, "Support")
        error = error_of(api.post("/api/groups", json={"name": "support"}), 409)
        assert error["param"] == "name" and "support" in error["message"]
        other = _group(api, "Other")
        error = error_of(api.patch(f"/api/groups/{other['id']}", json={"name": "SUPPORT"}), 409)
        assert error["param"] == "name"
        # Renaming a group to its own name (other case) is fine.
        ok(api.patch(f"/api/groups/{first['id']}", json={"name": "SUPPORT"}))
        assert error_of(api.post("/api/groups", json={"name": ""}), 422)["param"] == "name"
        error = error_of(api.patch(f"/api/groups/{first['id']}", json={"name": None}), 422)
        assert error["param"] == "name"
        error = error_of(api.post("/api/groups", json={"name": "x", "colour": "red"}), 422)
        assert error["param"] == "colour"


def test_members_and_user_group_ids(ws: Workspace) -> None:
    alice, alice_key = ws.add_user()
    bob, _ = ws.add_user()
    with ws.owner() as api:
        red, blue = _group(api, "Red"), _group(api, "Blue")
        detail = ok(
            api.put(f"/api/groups/{red['id']}/members", json={"user_ids": [alice, bob, alice]})
        )
        assert sorted(detail["member_ids"]) == sorted([alice, bob])
        assert {m["id"] for m in detail["members"]} == {alice, bob}
        ok(api.put(f"/api/groups/{blue['id']}/members", json={"user_ids": [alice]}))
        assert ok(api.get(f"/api/users/{alice}"))["group_ids"] == sorted([red["id"], blue["id"]])
        listed = {u["id"]: u["group_ids"] for u in ok(api.get("/api/users"))}
        assert listed[bob] == [red["id"]] and listed[ws.owner_id] == []
        # Replaces the set.
        ok(api.put(f"/api/groups/{red['id']}/members", json={"user_ids": [bob]}))
        assert ok(api.get(f"/api/users/{alice}"))["group_ids"] == [blue["id"]]
        audit = [r for r in ok(api.get("/api/audit")) if r["action"] == "group.members"]
        assert audit[0]["details"] == {"added": [], "removed": [alice]}
    with ws.server.client(alice_key) as me:
        assert ok(me.get("/api/me"))["group_ids"] == [blue["id"]]


def test_members_must_be_users_of_this_workspace(ws: Workspace) -> None:
    other = new_workspace(ws.server)
    stranger, _ = other.add_user()
    member, _ = ws.add_user()
    with ws.owner() as api:
        group = _group(api, "Team")
        for bad in (stranger, "usr_made_up"):
            error = error_of(
                api.put(f"/api/groups/{group['id']}/members", json={"user_ids": [member, bad]}), 422
            )
            assert error["param"] == "user_ids" and bad in error["message"]
        assert ok(api.get(f"/api/groups/{group['id']}"))["member_ids"] == []  # nothing half-done
        error_of(api.put(f"/api/groups/{group['id']}/members", json={"members": []}), 422)
    # Another workspace's group does not exist here.
    with other.owner() as api:
        error_of(api.get(f"/api/groups/{group['id']}"), 404)
        error_of(api.put(f"/api/groups/{group['id']}/members", json={"user_ids": []}), 404)
        error_of(api.delete(f"/api/groups/{group['id']}"), 404)


def test_members_and_admins_of_roles(ws: Workspace) -> None:
    _, member_key = ws.add_user("member")
    _, admin_key = ws.add_user("admin")
    with ws.server.client(member_key) as member:
        error_of(member.get("/api/groups"), 403)
        error_of(member.post("/api/groups", json={"name": "Mine"}), 403)
    with ws.server.client(admin_key) as admin:
        group = _group(admin, "By an admin")
        ok(admin.put(f"/api/groups/{group['id']}/members", json={"user_ids": []}))
    with ws.server.client(member_key) as member:
        error_of(member.get(f"/api/groups/{group['id']}"), 403)
        error_of(member.delete(f"/api/groups/{group['id']}"), 403)
    with ws.server.client() as anonymous:
        error_of(anonymous.get("/api/groups"), 401)


def test_access_field_on_every_kind(ws: Workspace) -> None:
    with ws.owner() as api:
        group = _group(api, "Analysts")
        chat = create_chat_model(api)
        assert chat["access"] == {"mode": "everyone", "group_ids": []}
        restricted = {"mode": "groups", "group_ids": [group["id"]]}
        for body in (
            {
                "kind": "image",
                "display_name": "Img",
                "provider": "openai",
                "provider_model_name": "gpt-image-1",
                "access": restricted,
            },
            {
                "kind": "embedding",
                "display_name": "Emb",
                "provider": "openai",
                "provider_model_name": "text-embedding-3-small",
                "access": restricted,
            },
            {
                "kind": "completion",
                "display_name": "Chat2",
                "provider": "openai",
                "provider_model_name": "gpt-x",
                "context_window": 8000,
                "max_output_tokens": 100,
                "access": restricted,
            },
        ):
            created = ok(api.post("/api/models", json=body), 201)
            assert created["access"] == restricted
            assert ok(api.get(f"/api/models/{created['id']}"))["access"] == restricted
        changed = ok(api.patch(f"/api/models/{chat['id']}", json={"access": restricted}))
        assert changed["access"] == restricted
        assert ok(api.get(f"/api/groups/{group['id']}"))["model_ids"].count(chat["id"]) == 1
        # Other fields leave access alone.
        assert (
            ok(api.patch(f"/api/models/{chat['id']}", json={"premium": True}))["access"]
            == restricted
        )
        opened = ok(api.patch(f"/api/models/{chat['id']}", json={"access": {"mode": "everyone"}}))
        assert opened["access"] == {"mode": "everyone", "group_ids": []}
        nobody = ok(api.patch(f"/api/models/{chat['id']}", json={"access": {"mode": "groups"}}))
        assert nobody["access"] == {"mode": "groups", "group_ids": []}
        assert any("only admins" in w for w in nobody["warnings"])
        assert {m["id"]: m["access"] for m in ok(api.get("/api/models"))}[chat["id"]] == nobody[
            "access"
        ]


def test_access_validation(ws: Workspace) -> None:
    other = new_workspace(ws.server)
    with other.owner() as api:
        foreign = _group(api, "Theirs")
    with ws.owner() as api:
        chat = create_chat_model(api)
        for group_id in (foreign["id"], "grp_made_up"):
            for response in (
                api.patch(
                    f"/api/models/{chat['id']}",
                    json={"access": {"mode": "groups", "group_ids": [group_id]}},
                ),
                api.post(
                    "/api/models",
                    json={
                        "kind": "completion",
                        "display_name": "X",
                        "provider": "openai",
                        "provider_model_name": "gpt-x",
                        "context_window": 8000,
                        "max_output_tokens": 100,
                        "access": {"mode": "groups", "group_ids": [group_id]},
                    },
                ),
            ):
                error = error_of(response, 422)
                assert error["param"] == "access.group_ids" and group_id in error["message"]
        mine = _group(api, "Mine")
        error = error_of(
            api.patch(
                f"/api/models/{chat['id']}",
                json={"access": {"mode": "everyone", "group_ids": [mine["id"]]}},
            ),
            422,
        )
        assert error["param"] == "access.group_ids"
        assert (
            error_of(api.patch(f"/api/models/{chat['id']}", json={"access": None}), 422)["param"]
            == "access"
        )
        error_of(api.patch(f"/api/models/{chat['id']}", json={"access": {"mode": "some"}}), 422)
        assert [m["slug"] for m in ok(api.get("/api/models"))] == [chat["slug"]]  # nothing created
        assert ok(api.get(f"/api/models/{chat['id']}"))["access"]["mode"] == "everyone"


def test_bulk_models_for_a_group(ws: Workspace) -> None:
    with ws.owner() as api:
        team, others = _group(api, "Team"), _group(api, "Others")
        a, b, c = (create_chat_model(api, name) for name in ("A", "B", "C"))
        ok(
            api.patch(
                f"/api/models/{b['id']}",
                json={"access": {"mode": "groups", "group_ids": [others["id"]]}},
            )
        )
        given = ok(
            api.put(
                f"/api/groups/{team['id']}/models", json={"model_ids": [a["id"], b["id"], c["id"]]}
            )
        )
        assert sorted(given["model_ids"]) == sorted([a["id"], b["id"], c["id"]])
        assert sorted(m["id"] for m in given["restricted"]) == sorted([a["id"], c["id"]])
        assert given["admins_only"] == []
        assert ok(api.get(f"/api/models/{a['id']}"))["access"] == {
            "mode": "groups",
            "group_ids": [team["id"]],
        }
        assert ok(api.get(f"/api/models/{b['id']}"))["access"]["group_ids"] == sorted(
            [team["id"], others["id"]]
        )
        # Take A and B away: B keeps its other group; A has none left, admins only.
        left = ok(api.put(f"/api/groups/{team['id']}/models", json={"model_ids": [c["id"]]}))
        assert left["model_ids"] == [c["id"]] and left["restricted"] == []
        assert [m["id"] for m in left["admins_only"]] == [a["id"]]
        assert [m["id"] for m in ok(api.get(f"/api/groups/{team['id']}"))["models"]] == [c["id"]]
        error = error_of(
            api.put(f"/api/groups/{team['id']}/models", json={"model_ids": ["mdl_nope"]}), 422
        )
        assert error["param"] == "model_ids" and "mdl_nope" in error["message"]
        # Deleting the group: C has no group left.
        deleted = ok(api.delete(f"/api/groups/{team['id']}"))
        assert [m["id"] for m in deleted["admins_only"]] == [c["id"]]
        assert ok(api.get(f"/api/models/{c['id']}"))["access"] == {
            "mode": "groups",
            "group_ids": [],
        }
        assert ok(api.get(f"/api/models/{b['id']}"))["access"]["group_ids"] == [others["id"]]


def test_who_can_use_a_model(ws: Workspace) -> None:
    inside, _ = ws.add_user()
    outside, _ = ws.add_user()
    admin, _ = ws.add_user("admin")
    with ws.owner() as api:
        group = _group(api, "Inside")
        ok(api.put(f"/api/groups/{group['id']}/members", json={"user_ids": [inside]}))
        chat = create_chat_model(api)
        everyone = ok(api.get(f"/api/models/{chat['id']}/access"))
        assert everyone["mode"] == "everyone" and everyone["user_count"] == 4
        ok(api.put(f"/api/groups/{group['id']}/models", json={"model_ids": [chat["id"]]}))
        report = ok(api.get(f"/api/models/{chat['id']}/access"))
        assert report["groups"] == [{"id": group["id"], "name": "Inside"}]
        via = {u["id"]: (u["via"], u["group_ids"]) for u in report["users"]}
        assert via == {
            inside: ("groups", [group["id"]]),
            admin: ("role", []),
            ws.owner_id: ("role", []),
        }
        assert report["user_count"] == 3 and outside not in via
        error_of(api.get("/api/models/mdl_nope/access"), 404)


def test_deleting_a_model_removes_its_access(ws: Workspace) -> None:
    with ws.owner() as api:
        group = _group(api, "G")
        chat = create_chat_model(api)
        ok(api.put(f"/api/groups/{group['id']}/models", json={"model_ids": [chat["id"]]}))
        ok(api.delete(f"/api/models/{chat['id']}"), 204)
        assert ok(api.get(f"/api/groups/{group['id']}"))["model_ids"] == []


def test_a_name_taken_between_the_check_and_the_write_is_a_409(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ws.owner() as api:
        _group(api, "Raced")
        # The other admin's insert lands after this request checked: its check sees nothing.
        monkeypatch.setattr(groups, "_check_name_free", lambda *args: None)
        error = error_of(api.post("/api/groups", json={"name": "Raced"}), 409)
        monkeypatch.undo()
        assert error["param"] == "name"
        assert [g["name"] for g in ok(api.get("/api/groups"))] == ["Raced"]
