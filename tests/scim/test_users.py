"""SCIM Users over real HTTP on both backends: create, read, list with filters and paging,
replace, patch, delete, the error shapes, and what a deleted user's userName does."""

from __future__ import annotations

import httpx

from tests.scim.conftest import Scim
from tests.scim.support import USER, create_user, email, patch_ops, scim_error, scim_ok
from tests.support import error_of, ok


def test_create_makes_a_password_less_member_and_read_it_back(
    scim: Scim, api: httpx.Client
) -> None:
    name = "Grace.Hopper@Example.com"
    response = api.post(
        "/Users",
        json={
            "schemas": [USER],
            "userName": name,
            "externalId": "ext-GH",
            "name": {"givenName": "Grace Brewster", "familyName": "Hopper"},
            "active": True,
        },
    )
    user = scim_ok(response, 201)
    assert response.headers["location"] == user["meta"]["location"]
    assert user["meta"]["location"].endswith(f"/scim/v2/Users/{user['id']}")
    assert user["userName"] == "grace.hopper@example.com"
    assert user["displayName"] == "Grace Brewster Hopper"
    assert user["name"] == {"givenName": "Grace Brewster", "familyName": "Hopper"}
    assert user["emails"] == [
        {"value": "grace.hopper@example.com", "type": "work", "primary": True}
    ]
    assert user["externalId"] == "ext-GH" and user["active"] is True
    assert scim_ok(api.get(f"/Users/{user['id']}")) == user
    formatted = scim_ok(api.get(f"/Users/{user['id']}", params={"attributes": "name.formatted"}))
    assert formatted == {
        "schemas": [USER],
        "id": user["id"],
        "name": {"formatted": "Grace Brewster Hopper"},
    }
    with scim.ws.owner() as owner:
        row = ok(owner.get(f"/api/users/{user['id']}"))
        audit = ok(owner.get("/api/audit", params={"target_id": user["id"]}))
    assert row["role"] == "member" and row["has_password"] is False
    assert row["email"] == "grace.hopper@example.com" and row["name"] == "Grace Brewster Hopper"
    assert audit[0]["action"] == "user.create" and audit[0]["actor_id"] is None
    assert audit[0]["details"]["source"] == "scim" and audit[0]["request_id"]
    assert audit[0]["fields"] == ["email", "external_id", "name"]


def test_a_taken_user_name_is_a_409_uniqueness_whatever_its_case(api: httpx.Client) -> None:
    user = create_user(api)
    detail = scim_error(
        api.post("/Users", json={"userName": user["userName"].upper()}), 409, "uniqueness"
    )
    assert "userName" in detail
    other = create_user(api)
    scim_error(
        api.patch(
            f"/Users/{other['id']}",
            json=patch_ops({"op": "replace", "path": "userName", "value": user["userName"]}),
        ),
        409,
        "uniqueness",
    )


def test_bad_input_is_a_400_naming_the_attribute_and_writes_nothing(api: httpx.Client) -> None:
    before = scim_ok(api.get("/Users"))["totalResults"]  # the owner
    cases = [
        ({"name": {"givenName": "x"}}, "userName"),
        ({"userName": "not-an-email"}, "userName"),
        ({"userName": 42}, "userName"),
        ({"userName": email(), "active": "maybe"}, "active"),
        ({"userName": email(), "displayName": ["x"]}, "displayName"),
        ({"userName": email(), "name": "Ada"}, "name"),
        ({"userName": email(), "externalId": "x" * 201}, "externalId"),
        ({"userName": email(), "displayName": "x" * 201}, "displayName"),
    ]
    for body, field in cases:
        assert field in scim_error(api.post("/Users", json=body), 400, "invalidValue"), body
    for raw in (b"{not json", b"", b"[]"):
        scim_error(api.post("/Users", content=raw), 400, "invalidSyntax")
    assert scim_ok(api.get("/Users"))["totalResults"] == before
    user = create_user(api)
    for operations, scim_type in [
        ([{"op": "jump", "path": "active", "value": False}], "invalidSyntax"),
        ([{"op": "replace", "path": "active"}], "invalidSyntax"),
        ([{"op": "remove"}], "noTarget"),
        ([{"op": "replace", "value": "x"}], "invalidValue"),
        ([{"op": "replace", "path": "active", "value": "nope"}], "invalidValue"),
        ([{"op": "replace", "path": "name[given eq 1]", "value": "x"}], "invalidPath"),
        ([{"op": "replace", "path": 'emails[type eq "work"', "value": "x"}], "invalidPath"),
        (
            [
                {"op": "replace", "path": "displayName", "value": "ok"},
                {"op": "replace", "path": "userName", "value": "bad"},
            ],
            "invalidValue",
        ),
    ]:
        scim_error(api.patch(f"/Users/{user['id']}", json=patch_ops(*operations)), 400, scim_type)
    scim_error(api.patch(f"/Users/{user['id']}", json={"Operations": []}), 400, "invalidSyntax")
    scim_error(api.patch(f"/Users/{user['id']}", json=[1]), 400, "invalidSyntax")
    # Nothing of a refused PATCH was kept (the first op of the last case included).
    assert scim_ok(api.get(f"/Users/{user['id']}")) == user


def test_list_filters_and_pages(api: httpx.Client) -> None:
    users = [
        create_user(
            api, userName=f"pager{i}-{email()}", displayName=f"Pager {i}", externalId=f"P{i}"
        )
        for i in range(5)
    ]
    users.append(create_user(api, displayName="Zed Other", externalId="zed"))

    def found(**params: str) -> list[str]:
        return [r["id"] for r in scim_ok(api.get("/Users", params=params))["Resources"]]

    ids = [u["id"] for u in users]
    assert found()[1:] == ids  # the owner first
    assert found(filter=f'userName eq "{users[2]["userName"].upper()}"') == [ids[2]]
    assert found(filter='externalId eq "P3"') == [ids[3]]
    assert found(filter=f'emails.value eq "{users[1]["userName"]}"') == [ids[1]]
    assert found(filter=f'emails[type eq "work"].value eq "{users[1]["userName"]}"') == [ids[1]]
    assert found(filter='displayName sw "pager"') == ids[:5]
    assert found(filter='displayName co "other"') == [ids[5]]
    assert found(filter='externalId eq "P1" or externalId eq "zed"') == [ids[1], ids[5]]
    assert found(filter='displayName sw "Pager" and not (externalId eq "P0")') == ids[1:5]
    assert found(filter='userName eq "nobody@example.com"') == []
    page = scim_ok(
        api.get(
            "/Users", params={"filter": 'displayName sw "Pager"', "startIndex": "2", "count": "2"}
        )
    )
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == ids[1:3]  # startIndex is 1-based
    assert scim_ok(api.get("/Users", params={"count": "0"}))["Resources"] == []
    only = scim_ok(
        api.get("/Users", params={"attributes": "userName", "filter": 'externalId eq "P0"'})
    )
    assert only["Resources"] == [
        {"schemas": [USER], "id": ids[0], "userName": users[0]["userName"]}
    ]
    trimmed = scim_ok(api.get(f"/Users/{ids[0]}", params={"excludedAttributes": "emails,meta"}))
    assert "emails" not in trimmed and "meta" not in trimmed and trimmed["userName"]
    searched = scim_ok(
        api.post("/Users/.search", json={"filter": 'externalId eq "P4"', "attributes": ["id"]})
    )
    assert searched["Resources"] == [{"schemas": [USER], "id": ids[4]}]
    for params in ({"filter": "userName eq"}, {"filter": 'userName xx "a"'}):
        scim_error(api.get("/Users", params=params), 400, "invalidFilter")
    for params in ({"count": "many"}, {"startIndex": "1.5"}):
        scim_error(api.get("/Users", params=params), 400, "invalidValue")


def test_put_replaces_and_clears_what_it_omits(api: httpx.Client) -> None:
    user = create_user(api, externalId="before", displayName="Old Name")
    replaced = scim_ok(
        api.put(
            f"/Users/{user['id']}",
            json={
                "schemas": [USER],
                "userName": "New.Address@example.com",
                "name": {"givenName": "New", "familyName": "Person"},
            },
        ),
    )
    assert replaced["userName"] == "new.address@example.com"
    assert replaced["displayName"] == "New Person" and "externalId" not in replaced
    assert replaced["active"] is True
    scim_error(api.put("/Users/usr_nope", json={"userName": email()}), 404)
    scim_error(
        api.put(f"/Users/{user['id']}", json={"displayName": "no userName"}), 400, "invalidValue"
    )


def test_patch_paths_values_and_ops(api: httpx.Client) -> None:
    user = create_user(api)
    uid = user["id"]

    def patched(*operations: dict[str, object]) -> dict[str, object]:
        result = scim_ok(api.patch(f"/Users/{uid}", json=patch_ops(*operations)))
        assert scim_ok(api.get(f"/Users/{uid}")) == result
        return result

    assert (
        patched({"op": "replace", "path": "name.givenName", "value": "Augusta Ada"})["displayName"]
        == "Augusta Ada Lovelace"
    )
    assert patched({"op": "replace", "path": "name.familyName", "value": "King"})["name"] == {
        "givenName": "Augusta Ada",
        "familyName": "King",
    }
    assert patched({"op": "add", "path": "externalId", "value": "E-1"})["externalId"] == "E-1"
    assert (
        patched({"op": "replace", "value": {"displayName": "Ada K", "externalId": "E-2"}})[
            "externalId"
        ]
        == "E-2"
    )
    assert patched({"op": "remove", "path": "externalId"}).get("externalId") is None
    assert (
        patched({"op": "replace", "path": f"{USER}:displayName", "value": "Countess"})[
            "displayName"
        ]
        == "Countess"
    )
    assert (
        patched({"op": "add", "value": {"name.familyName": "Lovelace", "name.givenName": "Ada"}})[
            "displayName"
        ]
        == "Ada Lovelace"
    )
    new_email = email()
    assert (
        patched({"op": "replace", "path": "userName", "value": new_email.upper()})["userName"]
        == new_email
    )
    # Attributes Modelyard does not keep are ignored, the rest applied.
    result = patched(
        {"op": "add", "path": "title", "value": "Engineer"},
        {
            "op": "replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "value": "R&D",
        },
        {"op": "replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+1"},
        {"op": "replace", "path": "displayName", "value": "Ada"},
    )
    assert result["displayName"] == "Ada" and "title" not in result
    assert patched({"op": "remove", "path": "displayName"}).get("displayName") is None
    # Removing the required active attribute changes nothing.
    assert patched({"op": "remove", "path": "active"})["active"] is True
    scim_error(
        api.patch("/Users/usr_nope", json=patch_ops({"op": "remove", "path": "displayName"})), 404
    )


def test_delete_hides_the_user_and_keeps_the_row_for_history(scim: Scim, api: httpx.Client) -> None:
    user = create_user(api)
    scim_ok(api.delete(f"/Users/{user['id']}"), 204)
    scim_error(api.get(f"/Users/{user['id']}"), 404)
    scim_error(api.delete(f"/Users/{user['id']}"), 404)
    scim_error(
        api.patch(
            f"/Users/{user['id']}",
            json=patch_ops({"op": "replace", "path": "active", "value": True}),
        ),
        404,
    )
    assert (
        scim_ok(api.get("/Users", params={"filter": f'userName eq "{user["userName"]}"'}))[
            "totalResults"
        ]
        == 0
    )
    with scim.ws.owner() as owner:
        assert user["id"] not in [u["id"] for u in ok(owner.get("/api/users"))]
        error_of(owner.get(f"/api/users/{user['id']}"), 404)
        actions = [
            e["action"] for e in ok(owner.get("/api/audit", params={"target_id": user["id"]}))
        ]
    assert actions[0] == "user.delete"
    with scim.ws.server.services.session() as session:
        from modelyard.storage.tables import UserRow

        row = session.get(UserRow, user["id"])
        assert row is not None and row.deleted_at is not None


def test_creating_a_deleted_users_name_revives_them_as_a_fresh_member(
    scim: Scim, api: httpx.Client
) -> None:
    """Documented choice (docs/scim.md): the same id, so their usage history stays theirs;
    no password, no keys, no groups, the role member."""
    user = create_user(api)
    group = scim_ok(
        api.post(
            "/Groups", json={"displayName": f"g-{user['id']}", "members": [{"value": user["id"]}]}
        ),
        201,
    )
    scim_ok(api.delete(f"/Users/{user['id']}"), 204)
    assert "members" not in scim_ok(api.get(f"/Groups/{group['id']}"))
    revived = scim_ok(
        api.post("/Users", json={"userName": user["userName"], "displayName": "Back Again"}), 201
    )
    assert revived["id"] == user["id"]
    assert revived["active"] is True and revived["displayName"] == "Back Again"
    assert "groups" not in revived
    with scim.ws.owner() as owner:
        row = ok(owner.get(f"/api/users/{user['id']}"))
        audit = ok(
            owner.get("/api/audit", params={"target_id": user["id"], "action": "user.create"})
        )
    assert row["role"] == "member" and row["active"] is True and row["has_password"] is False
    assert audit[0]["details"]["revived"] is True


def test_unknown_paths_and_methods_are_scim_errors(api: httpx.Client) -> None:
    scim_error(api.get("/Nope"), 404)
    scim_error(api.get("/Users/a/b"), 404)
    scim_error(api.delete("/Users"), 405)
    scim_error(api.get("/Users/.search"), 405)
    scim_error(api.get("/Schemas/urn:nope"), 404)
    scim_error(api.get("/ResourceTypes/Nope"), 404)
    with httpx.Client(base_url=api.base_url.copy_with(path="/scim"), headers=api.headers) as root:
        scim_error(root.get("/v1/Users"), 404)
