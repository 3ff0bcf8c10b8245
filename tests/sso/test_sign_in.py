"""Single sign-on through real HTTP against a real OpenID provider: the redirect, JIT members,
linking, groups, audit; the refusals are in ``test_refusals``."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from tests.sso.conftest import OWNER_EMAIL, PROVIDER_WARNINGS
from tests.sso.helpers import Browser, users_named
from tests.sso.provider import CLIENT_ID, Provider, query_of
from tests.support import RunningServer, Workspace, ok

pytestmark = PROVIDER_WARNINGS
Open = Callable[..., Browser]


def test_login_page_offers_sso_in_english_and_german(sso_server: RunningServer) -> None:
    with sso_server.client() as http:
        english = http.get("/login")
        german = http.get("/login", headers={"accept-language": "de-DE,de;q=0.9,en;q=0.5"})
    assert 'href="/auth/oidc/login"' in english.text and "Sign in with SSO" in english.text
    assert "Mit SSO anmelden" in german.text and "Passwort" in german.text


def test_login_redirects_with_code_flow_pkce_state_and_nonce(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    browser = browsers(sso_server)
    url = browser.start()
    query = query_of(url)
    assert url.startswith(provider.issuer + "/oauth2/authorize?")
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == sso_server.base_url + "/auth/oidc/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert set(query["scope"].split()) >= {"openid", "email"}
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 32
    cookie = browser.http.cookies.get("modelyard_oidc")
    assert cookie and cookie != query["state"]  # the cookie's secret is not in the URL
    second = query_of(browsers(sso_server).start())
    assert second["state"] != query["state"] and second["nonce"] != query["nonce"]


def test_first_sign_in_creates_a_member_with_groups_then_matches_by_subject(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    with sso_ws.owner() as api:
        eng = ok(api.post("/api/groups", json={"name": "Engineering"}), 201)
        ops = ok(api.post("/api/groups", json={"name": "ops"}), 201)
    sub = f"jit-{secrets.token_hex(3)}"
    email = f"{sub}@example.com"
    provider.set_user(
        sub,
        email=email.upper(),
        email_verified=True,
        name="Jit Person",
        groups=["engineering", "ops", "no-such-group"],
    )
    browser = browsers(sso_server)
    done = browser.sign_in(provider, sub)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert "modelyard_session" in browser.http.cookies
    page = browser.me()
    assert page.status_code == 200 and email in page.text
    with sso_ws.owner() as api:
        [user] = users_named(api, email)
        assert user["role"] == "member" and user["sso"] and not user["has_password"]
        assert user["name"] == "Jit Person"
        assert sorted(user["group_ids"]) == sorted([eng["id"], ops["id"]])
        created = ok(api.get("/api/audit", params={"action": "user.sso_create"}))
        [row] = [entry for entry in created if entry["target_id"] == user["id"]]
        assert row["actor_id"] == user["id"]
        assert row["fields"] == ["email", "name", "oidc_subject", "role"]
        groups = ok(api.get("/api/audit", params={"action": "user.sso_groups"}))
        assert any(entry["target_id"] == user["id"] for entry in groups)
    with sso_server.services.session() as db:
        from modelyard.storage.tables import UserRow

        row_user = db.get(UserRow, user["id"])
        assert row_user is not None and row_user.oidc_subject == f"{provider.issuer}|{sub}"

    # Later: the claim now names one group, and the email changed: matched by subject.
    provider.set_user(sub, email=f"other-{sub}@example.com", groups=["Engineering"])
    again = browsers(sso_server)
    assert again.sign_in(provider, sub).status_code == 303
    with sso_ws.owner() as api:
        assert users_named(api, f"other-{sub}@example.com") == []
        [user] = users_named(api, email)
        assert user["group_ids"] == [eng["id"]]
        signins = ok(api.get("/api/audit", params={"action": "user.sso_sign_in"}))
        assert len([e for e in signins if e["target_id"] == user["id"]]) == 2
        audit_text = api.get("/api/audit/export.csv").text
    assert "secret" not in audit_text.lower() and "id_token" not in audit_text

    # Without the groups claim nothing changes.
    provider.set_user(sub, email=email)
    assert browsers(sso_server).sign_in(provider, sub).status_code == 303
    with sso_ws.owner() as api:
        assert users_named(api, email)[0]["group_ids"] == [eng["id"]]


def test_first_sign_in_links_the_owner_by_email(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    provider.set_user("the-boss", email=OWNER_EMAIL, name="Boss")
    browser = browsers(sso_server)
    done = browser.sign_in(provider, "the-boss")
    assert done.status_code == 303 and done.headers["location"] == "/settings/models"
    with sso_ws.owner() as api:
        owner = ok(api.get(f"/api/users/{sso_ws.owner_id}"))
        assert owner["sso"] and owner["role"] == "owner"
        assert len(users_named(api, OWNER_EMAIL)) == 1
        linked = ok(api.get("/api/audit", params={"action": "user.sso_link"}))
        assert [e["fields"] for e in linked if e["target_id"] == sso_ws.owner_id] == [
            ["oidc_subject"]
        ]


def test_return_to_is_a_local_path_only(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    sub = f"next-{secrets.token_hex(3)}"
    provider.set_user(sub, email=f"{sub}@example.org")
    local = browsers(sso_server)
    url = local.start("/auth/oidc/login?next=/me/api-keys")
    assert local.callback(provider.approve(url, sub)).headers["location"] == "/me/api-keys"
    for target in ("https://evil.test/", "//evil.test/x", "/\\evil.test"):
        other = browsers(sso_server)
        url = other.start(f"/auth/oidc/login?next={target}")
        assert other.callback(provider.approve(url, sub)).headers["location"] == "/"
