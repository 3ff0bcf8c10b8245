"""Every refusal of a single sign-on: its error page (status, reason, language, no secret,
no traceback) and nothing half-done, against the real provider."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from modelyard.storage.tables import OidcLoginRow, UserRow
from modelyard.storage.types import utcnow
from modelyard.workspace import user_lifecycle
from tests.sso.conftest import PROVIDER_WARNINGS
from tests.sso.helpers import Browser, refusal, users_named
from tests.sso.provider import Provider, query_of
from tests.support import RunningServer, Workspace, ok

pytestmark = PROVIDER_WARNINGS
Open = Callable[..., Browser]


def _person(provider: Provider, domain: str = "example.com", **claims: object) -> str:
    sub = f"p-{secrets.token_hex(4)}"
    provider.set_user(sub, **({"email": f"{sub}@{domain}"} | claims))
    return sub


def test_an_email_domain_not_allowed_is_refused_and_nobody_is_created(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    sub = _person(provider, "elsewhere.test")
    page = refusal(browsers(sso_server).sign_in(provider, sub), 403, "wrong_domain")
    assert "Email addresses at elsewhere.test may not sign in" in page
    german = browsers(sso_server, **{"accept-language": "de"}).sign_in(provider, sub)
    assert "E-Mail-Adressen bei elsewhere.test dürfen sich" in refusal(german, 403, "wrong_domain")
    with sso_ws.owner() as api:
        assert users_named(api, f"{sub}@elsewhere.test") == []
    odd = _person(provider, "<b>odd</b>.test")
    page = refusal(browsers(sso_server).sign_in(provider, odd), 403, "wrong_domain")
    assert "&lt;b&gt;odd&lt;/b&gt;.test" in page and "<b>odd" not in page


def test_an_expired_state_is_refused(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    browser = browsers(sso_server)
    url = browser.start()
    with sso_server.services.session() as db:
        row = db.get(OidcLoginRow, query_of(url)["state"])
        assert row is not None and row.expires_at - utcnow() > timedelta(minutes=9)
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.commit()
    page = refusal(browser.callback(provider.approve(url, _person(provider))), 400, "state_expired")
    assert "longer than 10 minutes" in page


def test_a_state_is_good_once(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    browser = browsers(sso_server)
    url = browser.start()
    secret = browser.http.cookies["modelyard_oidc"]
    back = provider.approve(url, _person(provider))
    assert browser.callback(back).status_code == 303
    browser.http.cookies.set("modelyard_oidc", secret, path="/auth/oidc")  # kept by an attacker
    refusal(browser.callback(back), 400, "state_used")
    refusal(browsers(sso_server).callback(back), 400, "state_used")


def test_unknown_or_missing_state_is_refused(sso_server: RunningServer, browsers: Open) -> None:
    browser = browsers(sso_server)
    browser.start()
    made_up = browser.http.get("/auth/oidc/callback", params={"code": "x", "state": "made-up"})
    refusal(made_up, 400, "state_unknown")
    refusal(browser.http.get("/auth/oidc/callback", params={"code": "x"}), 400, "state_missing")


def test_a_callback_opened_in_another_browser_does_not_sign_that_browser_in(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    mine = browsers(sso_server)
    back = provider.approve(mine.start(), _person(provider))
    theirs = browsers(sso_server)
    page = refusal(theirs.callback(back), 400, "other_browser")
    assert "started in another browser" in page
    assert "modelyard_session" not in theirs.http.cookies or theirs.me().status_code == 303
    assert mine.callback(back).status_code == 303  # still good for the browser it belongs to


def test_the_provider_refusing_is_shown(
    sso_server: RunningServer, provider: Provider, browsers: Open
) -> None:
    browser = browsers(sso_server)
    back = provider.deny(browser.start())
    assert query_of(back)["error"] == "access_denied"
    page = refusal(browser.callback(back), 403, "provider_error")
    assert '<code id="sso-answer">access_denied</code>' in page
    odd = browser.http.get("/auth/oidc/callback", params={"error": "<script>x</script>"})
    assert "<script>x" not in refusal(odd, 403, "provider_error")


def test_a_code_the_provider_does_not_know_is_a_refused_exchange(
    sso_server: RunningServer, provider: Provider, browsers: Open
) -> None:
    browser = browsers(sso_server)
    state = query_of(browser.start())["state"]
    forged = browser.http.get("/auth/oidc/callback", params={"code": "forged", "state": state})
    page = refusal(forged, 502, "token_refused")
    assert '<code id="sso-answer">invalid_grant</code>' in page


def test_an_id_token_with_another_nonce_is_refused(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    browser = browsers(sso_server)
    url = browser.start()
    query = query_of(url) | {"nonce": "tampered-nonce-of-an-attacker"}
    tampered = url.split("?")[0] + "?" + urlencode(query)
    sub = _person(provider)
    refusal(browser.callback(provider.approve(tampered, sub)), 502, "bad_id_token")
    with sso_ws.owner() as api:
        assert users_named(api, f"{sub}@example.com") == []


def test_deactivated_and_deleted_users_are_refused(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    sub = _person(provider)
    browser = browsers(sso_server)
    assert browser.sign_in(provider, sub).status_code == 303
    with sso_ws.owner() as api:
        [user] = users_named(api, f"{sub}@example.com")
        ok(api.patch(f"/api/users/{user['id']}", json={"active": False}))
    assert browser.me().status_code == 303  # the session ended with the deactivation
    page = refusal(browsers(sso_server).sign_in(provider, sub), 403, "deactivated")
    assert "deactivated" in page
    with sso_ws.owner() as api:
        ok(api.patch(f"/api/users/{user['id']}", json={"active": True}))
    assert browsers(sso_server).sign_in(provider, sub).status_code == 303
    with sso_server.services.session() as db:
        row = db.get(UserRow, user["id"])
        assert row is not None
        user_lifecycle.delete(db, None, row, source="test")
        db.commit()
    refusal(browsers(sso_server).sign_in(provider, sub), 403, "deleted")


def test_an_unverified_email_neither_links_nor_creates(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    email = f"invited-{secrets.token_hex(3)}@example.com"
    with sso_ws.owner() as api:
        invited = ok(api.post("/api/users", json={"email": email}), 201)
    provider.set_user("unverified-" + email, email=email, email_verified=False)
    refusal(browsers(sso_server).sign_in(provider, "unverified-" + email), 403, "email_unverified")
    with sso_ws.owner() as api:
        assert not ok(api.get(f"/api/users/{invited['id']}"))["sso"]
    new = _person(provider, email_verified=False)
    refusal(browsers(sso_server).sign_in(provider, new), 403, "email_unverified")
    with sso_ws.owner() as api:
        assert users_named(api, f"{new}@example.com") == []


def test_an_account_linked_to_another_subject_is_not_taken_over(
    sso_server: RunningServer, sso_ws: Workspace, provider: Provider, browsers: Open
) -> None:
    email = f"shared-{secrets.token_hex(3)}@example.org"
    with sso_ws.owner() as api:
        ok(api.post("/api/users", json={"email": email}), 201)  # an invited user: linked once
    provider.set_user("first-" + email, email=email)
    provider.set_user("second-" + email, email=email)
    assert browsers(sso_server).sign_in(provider, "first-" + email).status_code == 303
    refusal(browsers(sso_server).sign_in(provider, "second-" + email), 409, "linked_elsewhere")


def test_a_token_without_an_email_is_refused(
    sso_server: RunningServer, provider: Provider, browsers: Open
) -> None:
    sub = f"nomail-{secrets.token_hex(3)}"
    provider.set_user(sub, name="No Mail")
    refusal(browsers(sso_server).sign_in(provider, sub), 403, "missing_email")


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_without_sso_settings_both_routes_are_404_and_the_login_page_has_no_button(
    server: RunningServer, browsers: Open
) -> None:
    browser = browsers(server)
    refusal(browser.http.get("/auth/oidc/login"), 404, "not_configured")
    refusal(browser.http.get("/auth/oidc/callback?code=a&state=b"), 404, "not_configured")
    assert "/auth/oidc/login" not in browser.http.get("/login").text
