"""SCIM tokens: owners issue (shown once), list (never the token) and revoke them; a revoked,
wrong or missing token is a 401 in the SCIM shape on the very next request."""

from __future__ import annotations

from tests.scim.conftest import Scim, new_scim
from tests.scim.support import scim_error, scim_ok
from tests.support import Workspace, error_of, new_workspace, ok


def test_an_owner_issues_a_token_shown_once_that_lists_without_it(ws: Workspace) -> None:
    with ws.owner() as api:
        issued = ok(api.post("/api/scim-tokens", json={"name": "Okta"}), 201)
        assert issued["token"].startswith("scim-") and len(issued["token"]) == 48
        assert issued["prefix"] == issued["token"][:12]
        assert issued["name"] == "Okta"
        listed = ok(api.get("/api/scim-tokens"))
        assert [t["id"] for t in listed] == [issued["id"]]
        assert "token" not in listed[0]
        assert issued["token"] not in api.get("/api/scim-tokens").text
        audit = ok(api.get("/api/audit", params={"target_id": issued["id"]}))
    assert [entry["action"] for entry in audit] == ["scim_token.create"]
    assert issued["token"] not in str(audit)


def test_only_owners_manage_tokens_and_bad_input_names_the_field(ws: Workspace) -> None:
    _, admin_key = ws.add_user("admin")
    _, member_key = ws.add_user("member")
    for key in (admin_key, member_key):
        with ws.server.client(key) as api:
            assert error_of(api.post("/api/scim-tokens", json={"name": "x"}), 403)
            assert error_of(api.get("/api/scim-tokens"), 403)
    with ws.owner() as api:
        assert error_of(api.post("/api/scim-tokens", json={"name": "  "}), 422)["param"] == "name"
        assert error_of(api.post("/api/scim-tokens", json={}), 422)["param"] == "name"
        assert error_of(api.delete("/api/scim-tokens/scim_nope"), 404)["param"] == "token_id"
        assert ok(api.get("/api/scim-tokens")) == []


def test_a_revoked_token_is_refused_at_once(scim: Scim) -> None:
    with scim.client() as api:
        scim_ok(api.get("/Users"))
        with scim.ws.owner() as owner:
            ok(owner.delete(f"/api/scim-tokens/{scim.token_id}"), 204)
            assert ok(owner.get("/api/scim-tokens")) == []
            assert error_of(owner.delete(f"/api/scim-tokens/{scim.token_id}"), 404)
        response = api.get("/Users")
        assert "invalid" in scim_error(response, 401).lower() or "revoked" in response.text
        assert response.headers["www-authenticate"].startswith("Bearer")
        # With a body too: refused before it is read.
        scim_error(api.post("/Users", json={"userName": "a@b.c"}), 401)


def test_missing_or_wrong_tokens_are_a_scim_401(scim: Scim) -> None:
    for token in ("", "scim-" + "x" * 43, "my-not-a-scim-token", scim.ws.owner_key):
        with scim.client(token) as api:
            scim_error(api.get("/Users"), 401)
            scim_error(api.get("/ServiceProviderConfig"), 401)


def test_a_token_acts_on_its_own_workspace_only(scim: Scim, ws: Workspace) -> None:
    other = new_scim(new_workspace(ws.server))
    with scim.client() as api, other.client() as api_other:
        user = scim_ok(api.post("/Users", json={"userName": "only-here@example.com"}), 201)
        scim_error(api_other.get(f"/Users/{user['id']}"), 404)
        listed = scim_ok(
            api_other.get("/Users", params={"filter": 'userName eq "only-here@example.com"'})
        )
        assert listed["totalResults"] == 0
        # The same email may exist in the other workspace.
        scim_ok(api_other.post("/Users", json={"userName": "only-here@example.com"}), 201)
