"""SCIM Groups over real HTTP on both backends: the Modelyard groups (name, members), with
model access following membership changes at once."""

from __future__ import annotations

import secrets

import httpx

from tests.scim.conftest import Scim
from tests.scim.support import GROUP, create_user, patch_ops, scim_error, scim_ok
from tests.support import create_chat_model, ok


def _group(api: httpx.Client, **extra: object) -> dict[str, object]:
    body = {"schemas": [GROUP], "displayName": f"Team {secrets.token_hex(3)}"} | extra
    created: dict[str, object] = scim_ok(api.post("/Groups", json=body), 201)
    return created


def test_create_read_list_and_the_admin_api_sees_the_same_group(
    scim: Scim, api: httpx.Client
) -> None:
    ada, bob = create_user(api), create_user(api, displayName="Bob Stone")
    response = api.post(
        "/Groups",
        json={
            "schemas": [GROUP],
            "displayName": "Research",
            "externalId": "g-1",
            "members": [{"value": ada["id"]}, {"value": bob["id"]}, {"value": ada["id"]}],
        },
    )
    group = scim_ok(response, 201)
    assert response.headers["location"] == group["meta"]["location"]
    assert group["displayName"] == "Research" and group["externalId"] == "g-1"
    assert sorted(m["value"] for m in group["members"]) == sorted([ada["id"], bob["id"]])
    assert all(set(m) == {"value", "$ref", "type"} for m in group["members"])
    shown = scim_ok(api.get(f"/Groups/{group['id']}", params={"attributes": "members.display"}))
    assert sorted(m["display"] for m in shown["members"]) == ["Ada Lovelace", "Bob Stone"]
    user = scim_ok(api.get(f"/Users/{ada['id']}"))
    assert user["groups"] == [
        {
            "value": group["id"],
            "$ref": group["meta"]["location"],
            "display": "Research",
            "type": "direct",
        }
    ]
    with scim.ws.owner() as owner:
        detail = ok(owner.get(f"/api/groups/{group['id']}"))
        audit = ok(owner.get("/api/audit", params={"target_id": group["id"]}))
    assert detail["name"] == "Research" and sorted(detail["member_ids"]) == sorted(
        [ada["id"], bob["id"]]
    )
    assert {e["action"] for e in audit} == {"group.create", "group.members"}
    assert {e["action"]: e["fields"] for e in audit}["group.members"] == ["members"]
    assert all(e["details"]["source"] == "scim" and e["actor_id"] is None for e in audit)

    def found(**params: str) -> list[str]:
        return [r["id"] for r in scim_ok(api.get("/Groups", params=params))["Resources"]]

    other = _group(api, displayName="Sales")
    assert found(filter='displayName eq "research"') == [group["id"]]
    assert found(filter='externalId eq "g-1"') == [group["id"]]
    assert found(filter=f'members.value eq "{bob["id"]}"') == [group["id"]]
    assert found(filter='displayName sw "S"') == [other["id"]]
    without = scim_ok(
        api.get(
            "/Groups",
            params={"excludedAttributes": "members", "filter": 'displayName eq "Research"'},
        )
    )
    assert "members" not in without["Resources"][0]


def test_uniqueness_and_bad_members_are_refused_naming_the_field(api: httpx.Client) -> None:
    group = _group(api)
    scim_error(
        api.post("/Groups", json={"displayName": str(group["displayName"]).upper()}),
        409,
        "uniqueness",
    )
    assert "displayName" in scim_error(
        api.post("/Groups", json={"members": []}), 400, "invalidValue"
    )
    for members in (
        [{"value": "usr_nope"}],
        [{"display": "x"}],
        "x",
        [{"value": group["id"], "type": "Group"}],
    ):
        detail = scim_error(
            api.post("/Groups", json={"displayName": "New", "members": members}),
            400,
            "invalidValue",
        )
        assert "members" in detail
    other = _group(api)
    scim_error(
        api.patch(
            f"/Groups/{other['id']}",
            json=patch_ops({"op": "replace", "path": "displayName", "value": group["displayName"]}),
        ),
        409,
        "uniqueness",
    )
    scim_error(
        api.patch(
            f"/Groups/{other['id']}",
            json=patch_ops(
                {"op": "replace", "path": 'members[value eq "usr_x"]', "value": {"value": "y"}}
            ),
        ),
        400,
        "noTarget",
    )
    scim_error(api.get("/Groups/grp_nope"), 404)


def test_patch_members_put_and_delete(scim: Scim, api: httpx.Client) -> None:
    ada, bob, cy = create_user(api), create_user(api), create_user(api)
    group = _group(api)
    gid = group["id"]

    def members(result: dict[str, object]) -> list[str]:
        return sorted(m["value"] for m in result.get("members", []))  # type: ignore[attr-defined]

    added = scim_ok(
        api.patch(
            f"/Groups/{gid}",
            json=patch_ops(
                {
                    "op": "add",
                    "path": "members",
                    "value": [{"value": ada["id"]}, {"value": bob["id"]}],
                }
            ),
        )
    )
    assert members(added) == sorted([ada["id"], bob["id"]])
    removed = scim_ok(
        api.patch(
            f"/Groups/{gid}",
            json=patch_ops({"op": "remove", "path": f'members[value eq "{ada["id"]}"]'}),
        )
    )
    assert members(removed) == [bob["id"]]
    replaced = scim_ok(
        api.patch(
            f"/Groups/{gid}",
            json=patch_ops({"op": "replace", "path": "members", "value": [{"value": cy["id"]}]}),
        )
    )
    assert members(replaced) == [cy["id"]]
    put = scim_ok(
        api.put(
            f"/Groups/{gid}",
            json={"schemas": [GROUP], "displayName": "Renamed", "members": [{"value": ada["id"]}]},
        )
    )
    assert (
        put["displayName"] == "Renamed" and members(put) == [ada["id"]] and "externalId" not in put
    )
    cleared = scim_ok(
        api.patch(f"/Groups/{gid}", json=patch_ops({"op": "remove", "path": "members"}))
    )
    assert "members" not in cleared
    scim_ok(api.delete(f"/Groups/{gid}"), 204)
    scim_error(api.get(f"/Groups/{gid}"), 404)
    scim_error(api.delete(f"/Groups/{gid}"), 404)
    with scim.ws.owner() as owner:
        assert gid not in [g["id"] for g in ok(owner.get("/api/groups"))]


def test_model_access_follows_scim_membership_at_once(scim: Scim, api: httpx.Client) -> None:
    """A model given to a group: a member added through SCIM sees it on the very next /v1
    call, and loses it as soon as SCIM removes them (or deletes the group)."""
    user = create_user(api)
    group = _group(api)
    with scim.ws.owner() as owner:
        model = create_chat_model(owner, name=f"Restricted {secrets.token_hex(2)}")
        ok(owner.put(f"/api/groups/{group['id']}/models", json={"model_ids": [model["id"]]}))
        key = ok(owner.post(f"/api/users/{user['id']}/api-keys", json={"name": "k"}), 201)["key"]

    def visible() -> bool:
        with scim.ws.server.client(key) as gateway:
            return model["slug"] in [m["id"] for m in ok(gateway.get("/v1/models"))["data"]]

    assert not visible()
    scim_ok(
        api.patch(
            f"/Groups/{group['id']}",
            json=patch_ops({"op": "Add", "path": "members", "value": [{"value": user["id"]}]}),
        )
    )
    assert visible()
    scim_ok(
        api.patch(
            f"/Groups/{group['id']}",
            json=patch_ops({"op": "Remove", "path": "members", "value": [{"value": user["id"]}]}),
        )
    )
    assert not visible()
    scim_ok(
        api.patch(
            f"/Groups/{group['id']}",
            json=patch_ops({"op": "add", "path": "members", "value": [{"value": user["id"]}]}),
        )
    )
    assert visible()
    scim_ok(api.delete(f"/Groups/{group['id']}"), 204)
    assert not visible()
    with scim.ws.owner() as owner:
        deleted = ok(
            owner.get("/api/audit", params={"target_id": group["id"], "action": "group.delete"})
        )
    assert deleted[0]["details"]["admins_only"] == [model["id"]]


def test_concurrent_patches_of_one_groups_members_both_count(api: httpx.Client) -> None:
    """Identity providers send membership changes in parallel: each PATCH applies its own
    additions and removals, none puts back the members it read."""
    from concurrent.futures import ThreadPoolExecutor

    users = [create_user(api)["id"] for _ in range(8)]
    group = _group(api, members=[{"value": users[0]}])

    def add(user_id: str) -> int:
        body = patch_ops({"op": "Add", "path": "members", "value": [{"value": user_id}]})
        with httpx.Client(base_url=api.base_url, headers=api.headers, timeout=30) as client:
            return client.patch(f"/Groups/{group['id']}", json=body).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(add, users[1:]))
    assert statuses == [200] * 7
    members = scim_ok(api.get(f"/Groups/{group['id']}"))["members"]
    assert sorted(m["value"] for m in members) == sorted(users)
