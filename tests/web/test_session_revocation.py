"""A web session can be ended: a cookie kept from before sign-out, a password reset or a role
change stops working at once (the session rows live in the shared database, so on every
replica)."""

from __future__ import annotations

from contextlib import closing

import httpx

from tests.support import ok
from tests.web.conftest import WebWorkspace
from tests.web.helpers import csrf_of, sign_in


def _signed_in(web_ws: WebWorkspace, email: str) -> httpx.Client:
    client = httpx.Client(base_url=web_ws.base_url)
    assert sign_in(client, email).status_code == 303
    assert client.get("/").status_code == 200
    return client


def _with_cookie(web_ws: WebWorkspace, cookie: str) -> int:
    """The status of the member home page opened with nothing but this cookie."""
    with httpx.Client(base_url=web_ws.base_url, cookies={"modelyard_session": cookie}) as other:
        return other.get("/").status_code


def _member_id(web_ws: WebWorkspace) -> str:
    with web_ws.ws.owner() as api:
        users = ok(api.get("/api/users"))
    return next(user["id"] for user in users if user["email"] == web_ws.member_email)


def test_a_cookie_kept_from_before_sign_out_no_longer_works(web_ws: WebWorkspace) -> None:
    with closing(_signed_in(web_ws, web_ws.member_email)) as browser:
        kept = browser.cookies["modelyard_session"]
        token = csrf_of(browser.get("/").text)
        assert browser.post("/logout", data={"csrf": token}).status_code == 303
    assert _with_cookie(web_ws, kept) == 303  # to /login


def test_a_password_reset_ends_every_session_of_that_user(web_ws: WebWorkspace) -> None:
    first = _signed_in(web_ws, web_ws.member_email)
    second = _signed_in(web_ws, web_ws.member_email)
    with web_ws.ws.owner() as api:
        reset = {"password": "a brand new password"}
        ok(api.patch(f"/api/users/{_member_id(web_ws)}", json=reset))
    for client in (first, second):
        assert client.get("/").status_code == 303
        client.close()


def test_a_role_change_ends_the_sessions_but_others_keep_theirs(web_ws: WebWorkspace) -> None:
    member = _signed_in(web_ws, web_ws.member_email)
    owner = _signed_in(web_ws, web_ws.owner_email)
    with web_ws.ws.owner() as api:
        ok(api.patch(f"/api/users/{_member_id(web_ws)}", json={"role": "admin"}))
    assert member.get("/").status_code == 303
    assert owner.get("/").status_code == 200
    # Signing in again works, with the new role.
    assert sign_in(member, web_ws.member_email).headers["location"].startswith("/settings")
    member.close()
    owner.close()
