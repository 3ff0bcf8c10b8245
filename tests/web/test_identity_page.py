"""Settings -> Sign-in and provisioning over real HTTP: the redirect URI and SCIM URL to enter
at the identity provider, SCIM tokens created (shown once) and revoked by owners only — the
token made on the page provisions through /scim/v2, and stops the moment it is revoked."""

from __future__ import annotations

import re
import secrets

import httpx

from tests.support import ok
from tests.web.conftest import WebWorkspace
from tests.web.helpers import PASSWORD, csrf_of, sign_in

PAGE = "/settings/sign-in"


def _scim(base_url: str, token: str) -> httpx.Client:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/scim+json"}
    return httpx.Client(base_url=base_url + "/scim/v2", headers=headers)


def test_an_owner_creates_and_revokes_a_scim_token_on_the_page(web_ws: WebWorkspace) -> None:
    base_url = web_ws.ws.server.base_url
    with web_ws.ws.server.client() as browser:
        sign_in(browser, web_ws.owner_email)
        page = browser.get(PAGE)
        assert page.status_code == 200
        assert f'<code id="scim-url">{base_url}/scim/v2</code>' in page.text
        assert f"{base_url}/auth/oidc/callback" in page.text
        assert "Single sign-on is off" in page.text  # the test server has no OpenID settings
        form = {"csrf": csrf_of(page.text), "name": "Entra ID"}
        made = browser.post(PAGE + "/tokens", data=form)
        assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
        token = re.search(r'id="issued-token"[^>]*value="([^"]+)"', made.text)
        assert token is not None
        with _scim(base_url, token.group(1)) as scim:
            assert scim.get("/Users").status_code == 200
        assert token.group(1) not in browser.get(PAGE).text  # shown once
        (token_id,) = [t["id"] for t in _tokens(web_ws) if t["name"] == "Entra ID"]
        revoke = {"csrf": csrf_of(made.text)}
        done = browser.post(f"{PAGE}/tokens/{token_id}/revoke", data=revoke)
        assert done.status_code == 303
        assert "Token revoked" in browser.get(done.headers["location"]).text
        with _scim(base_url, token.group(1)) as scim:
            assert scim.get("/Users").status_code == 401


def _tokens(web_ws: WebWorkspace) -> list[dict[str, str]]:
    with web_ws.ws.owner() as api:
        found: list[dict[str, str]] = ok(api.get("/api/scim-tokens"))
    return found


def test_admins_see_the_settings_but_cannot_make_tokens(web_ws: WebWorkspace) -> None:
    email = f"admin-{secrets.token_hex(3)}@example.com"
    with web_ws.ws.owner() as api:
        ok(
            api.post("/api/users", json={"email": email, "role": "admin", "password": PASSWORD}),
            201,
        )
        ok(api.post("/api/scim-tokens", json={"name": "Okta"}), 201)
    with web_ws.ws.server.client() as browser:
        sign_in(browser, email)
        page = browser.get(PAGE).text
        assert "/scim/v2" in page and "Only workspace owners" in page
        assert "Okta" not in page and 'id="new-token"' not in page and "Revoke" not in page
        forged = browser.post(PAGE + "/tokens", data={"csrf": csrf_of(page), "name": "mine"})
        assert forged.status_code == 403
    assert "mine" not in {t["name"] for t in _tokens(web_ws)}


def test_members_are_refused_and_the_page_is_german_for_german_admins(
    web_ws: WebWorkspace,
) -> None:
    with web_ws.ws.server.client() as browser:
        sign_in(browser, web_ws.member_email)
        assert browser.get(PAGE).status_code == 403
    with web_ws.ws.owner() as api:
        ok(api.patch("/api/me", json={"language": "de"}))
    with web_ws.ws.server.client() as browser:
        sign_in(browser, web_ws.owner_email)
        page = browser.get(PAGE).text
    assert "Anmeldung und Bereitstellung" in page and "SCIM-Token erstellen" in page
