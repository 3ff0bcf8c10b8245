"""Sign-in, sessions and the CSRF check over plain HTTP, against a running server."""

from __future__ import annotations

import httpx
import pytest

from modelyard.web import session as web_session
from modelyard.workspace.bootstrap import create_workspace
from tests.support import ok
from tests.web.conftest import PASSWORD, WebWorkspace
from tests.web.helpers import CHAT_MODEL, api_create, api_get, csrf_of, sign_in

pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def browser_like(web_ws: WebWorkspace) -> httpx.Client:
    return httpx.Client(base_url=web_ws.base_url, timeout=30, follow_redirects=False)


def test_login_form_without_csrf_is_refused(web_ws: WebWorkspace) -> None:
    with browser_like(web_ws) as client:
        client.get("/login")
        form = {"email": web_ws.owner_email, "password": "correct horse battery"}
        response = client.post("/login", data=form)
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_post_without_token_changes_nothing(web_ws: WebWorkspace) -> None:
    model = api_create(web_ws.ws, "/api/models", CHAT_MODEL)
    with browser_like(web_ws) as client:
        assert sign_in(client, web_ws.owner_email).status_code == 303
        path = f"/settings/models/{model['id']}/toggle"
        refused = client.post(path, data={"field": "visible", "value": "on"})
        assert refused.status_code == 403
        forged = client.post(path, data={"field": "visible", "value": "on", "csrf": "forged"})
        assert forged.status_code == 403
        assert api_get(web_ws.ws, f"/api/models/{model['id']}")["visible"] is False
        token = csrf_of(client.get("/settings/models").text)
        done = client.post(path, data={"field": "visible", "value": "on", "csrf": token})
        assert done.status_code == 303
    assert api_get(web_ws.ws, f"/api/models/{model['id']}")["visible"] is True


def test_sign_in_rotates_the_session_and_sign_out_ends_it(web_ws: WebWorkspace) -> None:
    with browser_like(web_ws) as client:
        before = csrf_of(client.get("/login").text)
        cookie = client.cookies[web_session.COOKIE_NAME]
        response = sign_in(client, web_ws.owner_email)
        assert response.headers["location"] == "/settings/models"
        assert "httponly" in response.headers["set-cookie"].lower()
        assert "samesite=lax" in response.headers["set-cookie"].lower()
        after = csrf_of(client.get("/settings/models").text)
        assert after != before
        assert client.post("/logout", data={"csrf": after}).status_code == 303
        assert client.get("/settings/models").headers["location"] == "/login"
        # The cookie from before sign-in never carried a user.
        client.cookies.set(web_session.COOKIE_NAME, cookie)
        assert client.get("/").headers["location"] == "/login"


def test_anonymous_and_member_are_kept_out(web_ws: WebWorkspace) -> None:
    with browser_like(web_ws) as client:
        for path in ("/", "/settings/models", "/settings/model-keys"):
            assert client.get(path).status_code == 303
        assert sign_in(client, web_ws.member_email).headers["location"] == "/"
        for path in ("/settings/models", "/settings/model-keys", "/settings/models/new"):
            response = client.get(path)
            assert response.status_code == 403, path
            assert "for workspace admins" in response.text


def test_unknown_email_and_wrong_password_look_the_same(web_ws: WebWorkspace) -> None:
    with browser_like(web_ws) as client:
        wrong = sign_in(client, web_ws.owner_email, "wrong password")
        unknown = sign_in(client, "nobody@example.com", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.text and "Wrong email or password." in unknown.text


def test_same_email_in_two_workspaces_signs_in_to_the_first_and_says_so(
    web_ws: WebWorkspace,
) -> None:
    server = web_ws.ws.server
    with server.services.session() as session:
        create_workspace(session, "Second", web_ws.owner_email, PASSWORD)
    with browser_like(web_ws) as client:
        response = sign_in(client, web_ws.owner_email)
        assert response.headers["location"] == "/settings/models?others=1"
        page = client.get(response.headers["location"]).text
    assert "also has an account in other workspaces" in page
    assert "Web test" in page  # the first workspace's name


def test_members_read_descriptions_in_their_language(web_ws: WebWorkspace) -> None:
    api_create(web_ws.ws, "/api/models", {**CHAT_MODEL, "visible": True})
    with web_ws.ws.owner() as api:
        [member] = [u for u in ok(api.get("/api/users")) if u["email"] == web_ws.member_email]
        ok(api.patch(f"/api/users/{member['id']}", json={"language": "de"}))
    with browser_like(web_ws) as client:
        sign_in(client, web_ws.member_email)
        page = client.get("/").text
    assert "Schnelles Chatmodell" in page and "Fast chat model" not in page
    assert '<html lang="de">' in page
