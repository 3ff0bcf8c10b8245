"""The requests Okta sends, written out as its SCIM 2.0 reference shows them
(developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20): look up by userName, create
(with a password Modelyard never keeps), replace with PUT (``active: false`` deactivates),
the PATCH that deactivates, and Group Push. Deactivation stops the user's key on the very next
/v1 call and ends their web sessions."""

from __future__ import annotations

import httpx

from tests.scim.conftest import Scim
from tests.scim.deprovision import key_and_session, session_live, v1_status
from tests.scim.support import scim_error, scim_ok
from tests.support import ok

OKTA_CREATE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}


def okta_put(user_id: str, *, active: bool) -> dict[str, object]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": user_id,
        "userName": "test.user@okta.local",
        "name": {"givenName": "Another", "familyName": "User"},
        "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Another User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "t1meMa$heen",
        "active": active,
    }


OKTA_DEACTIVATE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "value": {"active": False}}],
}


def test_okta_user_lifecycle(scim: Scim, api: httpx.Client) -> None:
    lookup = api.get(
        "/Users",
        params={"filter": 'userName eq "test.user@okta.local"', "startIndex": "1", "count": "100"},
    )
    assert scim_ok(lookup)["totalResults"] == 0
    user = scim_ok(api.post("/Users", json=OKTA_CREATE), 201)
    uid = user["id"]
    assert user["userName"] == "test.user@okta.local" and user["displayName"] == "Test User"
    assert user["externalId"] == "00ujl29u0le5T6Aj10h7" and "password" not in user
    found = scim_ok(
        api.get(
            "/Users",
            params={
                "filter": 'userName eq "test.user@okta.local"',
                "startIndex": "1",
                "count": "100",
            },
        )
    )
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == uid
    with scim.ws.owner() as owner:
        assert ok(owner.get(f"/api/users/{uid}"))["has_password"] is False
        assert "1mz050nq" not in str(ok(owner.get("/api/audit")))

    updated = scim_ok(api.put(f"/Users/{uid}", json=okta_put(uid, active=True)))
    assert updated["displayName"] == "Another User" and updated["active"] is True

    # Okta deactivates with a PUT of the whole user, active: false.
    key, web = key_and_session(scim.ws, uid)
    assert scim_ok(api.put(f"/Users/{uid}", json=okta_put(uid, active=False)))["active"] is False
    assert v1_status(scim.ws, key) == 401
    assert not session_live(scim.ws, uid, web)
    assert scim_ok(api.get(f"/Users/{uid}"))["active"] is False
    with scim.ws.owner() as owner:
        assert ok(owner.get(f"/api/users/{uid}"))["active"] is False
        actions = [e["action"] for e in ok(owner.get("/api/audit", params={"target_id": uid}))]
    assert "user.deactivate" in actions

    # Reactivated, the old key stays revoked; a new one works until the PATCH that deactivates.
    assert scim_ok(api.put(f"/Users/{uid}", json=okta_put(uid, active=True)))["active"] is True
    assert v1_status(scim.ws, key) == 401
    key, web = key_and_session(scim.ws, uid)
    assert scim_ok(api.patch(f"/Users/{uid}", json=OKTA_DEACTIVATE))["active"] is False
    assert v1_status(scim.ws, key) == 401
    assert not session_live(scim.ws, uid, web)


def test_okta_group_push(scim: Scim, api: httpx.Client) -> None:
    user = scim_ok(api.post("/Users", json=OKTA_CREATE), 201)
    other = scim_ok(
        api.post("/Users", json=OKTA_CREATE | {"userName": "other.user@okta.local"}), 201
    )
    scim_error(api.post("/Users", json=OKTA_CREATE), 409, "uniqueness")
    group = scim_ok(
        api.post(
            "/Groups",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Test SCIMv2",
                "members": [],
            },
        ),
        201,
    )
    gid = group["id"]
    listed = scim_ok(
        api.get(
            "/Groups",
            params={"filter": 'displayName eq "Test SCIMv2"', "startIndex": "1", "count": "100"},
        )
    )
    assert [g["id"] for g in listed["Resources"]] == [gid]
    assert (
        scim_ok(api.get("/Groups", params={"startIndex": "1", "count": "100"}))["totalResults"] == 1
    )
    renamed = scim_ok(
        api.patch(
            f"/Groups/{gid}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2 renamed"}}
                ],
            },
        )
    )
    assert renamed["id"] == gid and renamed["displayName"] == "Test SCIMv2 renamed"
    added = scim_ok(
        api.patch(
            f"/Groups/{gid}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {
                        "op": "add",
                        "path": "members",
                        "value": [
                            {"value": user["id"], "display": "test.user@okta.local"},
                            {"value": other["id"], "display": "other.user@okta.local"},
                        ],
                    }
                ],
            },
        )
    )
    assert sorted(m["value"] for m in added["members"]) == sorted([user["id"], other["id"]])
    removed = scim_ok(
        api.patch(
            f"/Groups/{gid}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": f'members[value eq "{user["id"]}"]'}],
            },
        )
    )
    assert [m["value"] for m in removed["members"]] == [other["id"]]
    put = scim_ok(
        api.put(
            f"/Groups/{gid}",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": gid,
                "displayName": "Test SCIMv2",
                "members": [{"value": user["id"], "display": "test.user@okta.local"}],
            },
        )
    )
    assert put["displayName"] == "Test SCIMv2" and [m["value"] for m in put["members"]] == [
        user["id"]
    ]
    scim_ok(api.delete(f"/Groups/{gid}"), 204)
    scim_error(api.get(f"/Groups/{gid}"), 404)
