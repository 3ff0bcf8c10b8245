"""The layout over plain HTTP: error pages in the UI's look for browser paths (JSON stays for
the APIs), sign-in's ``next`` only ever a local path, notices only from the string table, and
the vendored stylesheet served from this origin."""

from __future__ import annotations

import httpx
import pytest

from modelyard.web.auth import local_path
from modelyard.web.error_pages import is_browser_path
from tests.web.conftest import WebWorkspace
from tests.web.helpers import CHAT_MODEL, api_create, api_get, csrf_of, sign_in

SQLITE = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def _client(web_ws: WebWorkspace) -> httpx.Client:
    return httpx.Client(base_url=web_ws.base_url, timeout=30, follow_redirects=False)


def test_local_paths_only() -> None:
    for good in ("/settings/usage", "/settings/usage?from=2026-01-01&to=2026-01-31", "/me/spend"):
        assert local_path(good) == good
    for bad in (
        None,
        "",
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/ok\r\nLocation: https://evil.example",
        "evil.example",
        "javascript:alert(1)",
        "/login",
        "/logout",
        "/a\\b",
    ):
        assert local_path(bad) is None, bad
    assert local_path("/%0d%0aSet-Cookie:x") == "/%0d%0aSet-Cookie:x"  # encoded: a plain path
    assert [is_browser_path(p) for p in ("/settings/x", "/apix", "/api", "/api/x", "/v1/x")] == [
        True,
        True,
        False,
        False,
        False,
    ]


@SQLITE
def test_error_pages_are_pages_and_the_apis_keep_json(web_ws: WebWorkspace) -> None:
    with _client(web_ws) as anonymous:
        missing = anonymous.get("/settings/no-such-page", headers={"accept-language": "de"})
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert '<h1 id="error-title">Seite nicht gefunden</h1>' in missing.text
        assert 'href="/login?next=%2Fsettings%2Fno-such-page"' in missing.text
        assert "content-security-policy" in missing.headers

        not_a_page = anonymous.get("/logout")
        assert not_a_page.status_code == 405
        assert "This address is not a page" in not_a_page.text

        api = anonymous.get("/api/no-such-thing")
        assert api.headers["content-type"].startswith("application/json")
        assert api.json()["error"]["type"] in ("not_found_error", "authentication_error")

        style = anonymous.get("/static/vendor/pico/pico.min.css")
        assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
        assert "Pico CSS" in style.text[:300]
        assert anonymous.get("/static/ui.js").status_code == 200

    with _client(web_ws) as owner:
        sign_in(owner, web_ws.owner_email)
        page = owner.get("/settings/models/not-a-model-id/nothing-here")
        assert page.status_code == 404 and "Page not found" in page.text
        assert 'aria-label="Main"' in page.text  # signed in: the page has the navigation
        assert 'aria-label="Settings: Usage"' in page.text


@SQLITE
def test_sign_in_returns_only_to_local_pages(web_ws: WebWorkspace) -> None:
    with _client(web_ws) as client:
        away = client.get("/settings/usage?from=2026-01-01")
        assert (away.status_code, away.headers["location"]) == (303, "/login")
        response = sign_in(client, web_ws.owner_email)
        assert response.headers["location"] == "/settings/usage?from=2026-01-01"

    for given, lands in (
        ("/settings/budgets", "/settings/budgets"),
        ("https://evil.example/", "/settings/models"),
        ("//evil.example/x", "/settings/models"),
        ("/\\evil.example", "/settings/models"),
    ):
        with _client(web_ws) as client:
            form_page = client.get("/login", params={"next": given})
            form = {
                "email": web_ws.owner_email,
                "password": "correct horse battery",
                "csrf": csrf_of(form_page.text),
                "next": given,
            }
            assert client.post("/login", data=form).headers["location"] == lands, given
            shown = 'name="next" value="' in form_page.text
            assert shown == (lands == given)

    with _client(web_ws) as member:  # a member is not sent back to an admin page
        member.get("/settings/usage")
        assert sign_in(member, web_ws.member_email).headers["location"] == "/"
        refused = member.get("/settings/usage")
        assert refused.status_code == 403
        assert '<h1 id="error-title">Not allowed</h1>' in refused.text
        assert "This page is for workspace admins and owners." in refused.text


@SQLITE
def test_notices_come_only_from_the_string_table(web_ws: WebWorkspace) -> None:
    with _client(web_ws) as member:
        sign_in(member, web_ws.member_email)
        saved = member.get("/me/api-keys", params={"notice": "saved"})
        assert '<p class="notice ok" role="status" id="page-notice">Saved.</p>' in saved.text
        for crafted in ("<b>hi</b>", "unknown_key", "dismiss"):
            page = member.get("/me/api-keys", params={"notice": crafted})
            assert 'id="page-notice"' not in page.text, crafted


@SQLITE
def test_a_saved_toggle_says_so(web_ws: WebWorkspace) -> None:
    model = api_create(web_ws.ws, "/api/models", CHAT_MODEL)
    with _client(web_ws) as owner:
        sign_in(owner, web_ws.owner_email)
        token = csrf_of(owner.get("/settings/models").text)
        form = {"csrf": token, "field": "maintenance", "value": "on"}
        saved = owner.post(f"/settings/models/{model['id']}/toggle", data=form)
        assert saved.status_code == 303
        assert saved.headers["location"] == "/settings/models?notice=model_saved#completion"
        page = owner.get(saved.headers["location"])
        assert "Model saved: the change applies to the next call." in page.text
    assert api_get(web_ws.ws, f"/api/models/{model['id']}")["maintenance"] is True
