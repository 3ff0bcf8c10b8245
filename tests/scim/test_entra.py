"""The requests Microsoft Entra ID sends, written out as Microsoft's SCIM endpoint guide
(learn.microsoft.com, "Tutorial: Develop and plan provisioning for a SCIM endpoint") and its
list of known compliance issues show them: capitalised ops, paths with value filters, string
booleans, value maps without a path, members removed by value. Deactivation and deletion
stop the user's key on the very next /v1 call."""

from __future__ import annotations

import httpx

from tests.scim.conftest import Scim
from tests.scim.deprovision import key_and_session, session_live, v1_status
from tests.scim.support import scim_error, scim_ok
from tests.support import ok

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTRA_CREATE = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": True,
    "emails": [
        {
            "primary": True,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com",
        }
    ],
    "meta": {"resourceType": "User"},
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
}
UPN = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@testuser.com"


def test_entra_user_lifecycle(scim: Scim, api: httpx.Client) -> None:
    empty = scim_ok(api.get("/Users", params={"filter": 'userName eq "non-existent user"'}))
    assert empty["totalResults"] == 0 and empty["Resources"] == []
    # Microsoft's sample userName is no email: Modelyard's userName is one (docs/scim.md).
    assert "userName" in scim_error(api.post("/Users", json=ENTRA_CREATE), 400, "invalidValue")
    user = scim_ok(api.post("/Users", json=ENTRA_CREATE | {"userName": UPN}), 201)
    uid = user["id"]
    assert user["userName"] == UPN.lower() and user["displayName"] == "givenName familyName"
    assert user["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    found = scim_ok(api.get("/Users", params={"filter": f'userName eq "{UPN}"'}))
    assert [r["id"] for r in found["Resources"]] == [uid]
    by_external = scim_ok(
        api.get("/Users", params={"filter": 'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"'})
    )
    assert [r["id"] for r in by_external["Resources"]] == [uid]

    multi = {
        "schemas": [PATCH_OP],
        "Operations": [
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "updatedEmail@microsoft.com",
            },
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        ],
    }
    patched = scim_ok(api.patch(f"/Users/{uid}", json=multi))
    assert patched["name"]["familyName"] == "updatedFamilyName"
    assert patched["displayName"] == "givenName updatedFamilyName"
    # emails follow userName (the Modelyard email), so the work email's value changes nothing.
    assert patched["emails"] == [{"value": UPN.lower(), "type": "work", "primary": True}]
    single = {
        "schemas": [PATCH_OP],
        "Operations": [
            {
                "op": "Replace",
                "path": "userName",
                "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com",
            }
        ],
    }
    assert (
        scim_ok(api.patch(f"/Users/{uid}", json=single))["userName"]
        == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    )
    # Entra before its SCIM fixes: Add with a value map of paths, no path.
    legacy_add = {
        "schemas": [PATCH_OP],
        "Operations": [
            {
                "op": "Add",
                "value": {
                    "displayName": "Ellen Reckert",
                    "name.givenName": "Ellen",
                    'emails[type eq "work"].value': "ellen@contoso.com",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "HR",
                },
            }
        ],
    }
    assert scim_ok(api.patch(f"/Users/{uid}", json=legacy_add))["displayName"] == "Ellen Reckert"

    # Disable user (string boolean as older Entra sends it, then the documented shape).
    key, web = key_and_session(scim.ws, uid)
    legacy_disable = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    assert scim_ok(api.patch(f"/Users/{uid}", json=legacy_disable))["active"] is False
    assert v1_status(scim.ws, key) == 401
    assert not session_live(scim.ws, uid, web)
    enable = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "value": {"active": True}}]}
    assert scim_ok(api.patch(f"/Users/{uid}", json=enable))["active"] is True
    key, web = key_and_session(scim.ws, uid)
    disable = {
        "Operations": [{"op": "Replace", "path": "active", "value": False}],
        "schemas": [PATCH_OP],
    }
    assert scim_ok(api.patch(f"/Users/{uid}", json=disable))["active"] is False
    assert v1_status(scim.ws, key) == 401
    assert not session_live(scim.ws, uid, web)

    # Delete user: 204, then 404 and gone from the admin API, the key still refused.
    scim_ok(api.delete(f"/Users/{uid}"), 204)
    scim_error(api.get(f"/Users/{uid}"), 404)
    with scim.ws.owner() as owner:
        assert uid not in [u["id"] for u in ok(owner.get("/api/users"))]


def test_entra_hard_delete_of_an_active_user_stops_their_key(scim: Scim, api: httpx.Client) -> None:
    user = scim_ok(api.post("/Users", json=ENTRA_CREATE | {"userName": UPN}), 201)
    key, web = key_and_session(scim.ws, user["id"])
    scim_ok(api.delete(f"/Users/{user['id']}"), 204)
    assert v1_status(scim.ws, key) == 401
    assert not session_live(scim.ws, user["id"], web)


def test_entra_groups(scim: Scim, api: httpx.Client) -> None:
    user = scim_ok(api.post("/Users", json=ENTRA_CREATE | {"userName": UPN}), 201)
    create = {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
        ],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"},
    }
    group = scim_ok(api.post("/Groups", json=create), 201)
    gid = group["id"]
    assert group["displayName"] == "displayName" and "members" not in group
    got = scim_ok(api.get(f"/Groups/{gid}", params={"excludedAttributes": "members"}))
    assert got["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    by_name = scim_ok(
        api.get(
            "/Groups",
            params={"excludedAttributes": "members", "filter": 'displayName eq "displayName"'},
        )
    )
    assert [g["id"] for g in by_name["Resources"]] == [gid]
    rename = {
        "schemas": [PATCH_OP],
        "Operations": [
            {
                "op": "Replace",
                "path": "displayName",
                "value": "1879db59-3bdf-4490-ad68-ab880a2694cf",
            }
        ],
    }
    assert (
        scim_ok(api.patch(f"/Groups/{gid}", json=rename))["displayName"]
        == "1879db59-3bdf-4490-ad68-ab880a2694cf"
    )
    add = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Add", "path": "members", "value": [{"$ref": None, "value": user["id"]}]}
        ],
    }
    assert [m["value"] for m in scim_ok(api.patch(f"/Groups/{gid}", json=add))["members"]] == [
        user["id"]
    ]
    assert [g["value"] for g in scim_ok(api.get(f"/Users/{user['id']}"))["groups"]] == [gid]
    remove = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": user["id"]}]}
        ],
    }
    assert "members" not in scim_ok(api.patch(f"/Groups/{gid}", json=remove))
    scim_ok(api.delete(f"/Groups/{gid}"), 204)
    scim_error(api.get(f"/Groups/{gid}"), 404)
