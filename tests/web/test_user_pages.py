"""Settings -> Users through real HTTP on both backends: the list and its search are the API's;
an invite through the form shows its link once and the link works; on a user's page the role,
deactivation (keys and sessions end), password, reset link and key revocation go through the
domain; an admin is offered nothing on an owner's page and a forged form is refused all the
same; every form needs its CSRF token; the German page is German.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from modelyard.web import user_texts
from tests.support import ok
from tests.web.conftest import PASSWORD, WebWorkspace
from tests.web.helpers import api_create, api_get, csrf_of, sign_in

PAGE = "/settings/users"


@contextmanager
def _signed_in(web_ws: WebWorkspace, email: str | None = None) -> Iterator[httpx.Client]:
    with web_ws.ws.server.client() as client:
        assert sign_in(client, email or web_ws.owner_email).status_code == 303
        yield client


def _post(client: httpx.Client, path: str, form: dict[str, Any], page: str) -> httpx.Response:
    """Post ``form`` with the CSRF token of ``page`` (as the browser would)."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={"csrf": token, **form})


def _user(web_ws: WebWorkspace, email: str) -> dict[str, Any]:
    found: dict[str, Any] = next(u for u in api_get(web_ws.ws, "/api/users") if u["email"] == email)
    return found


def _admin(web_ws: WebWorkspace) -> str:
    """A second admin who can sign in; their email."""
    email = f"web-admin-{secrets.token_hex(3)}@example.com"
    api_create(web_ws.ws, "/api/users", {"email": email, "role": "admin", "password": PASSWORD})
    return email


def _row_ids(page_html: str) -> list[str]:
    return re.findall(r'<tr id="user-([^"]+)"', page_html)


def _link_of(page_html: str) -> str:
    found = re.search(r'id="invite-url" class="secret-once" value="([^"]+)"', page_html)
    assert found, page_html
    return html.unescape(found.group(1))


def test_members_are_refused(web_ws: WebWorkspace) -> None:
    member_id = _user(web_ws, web_ws.member_email)["id"]
    with _signed_in(web_ws, web_ws.member_email) as client:
        assert client.get(PAGE).status_code == 403
        assert client.get(f"{PAGE}/{member_id}").status_code == 403
        token = csrf_of(client.get("/").text)
        form = {"csrf": token, "email": "x@example.com"}
        assert client.post(PAGE, data=form).status_code == 403
    assert not any(u["email"] == "x@example.com" for u in api_get(web_ws.ws, "/api/users"))


def test_list_and_search_are_the_apis(web_ws: WebWorkspace) -> None:
    group = api_create(web_ws.ws, "/api/groups", {"name": "Sales"})
    member = _user(web_ws, web_ws.member_email)
    with web_ws.ws.owner() as api:
        ok(api.put(f"/api/groups/{group['id']}/members", json={"user_ids": [member["id"]]}))
    with _signed_in(web_ws) as client:
        page = client.get(PAGE)
        assert page.status_code == 200
        assert _row_ids(page.text) == [u["id"] for u in api_get(web_ws.ws, "/api/users")]
        row = page.text.split(f'<tr id="user-{member["id"]}"', 1)[1].split("</tr>", 1)[0]
        assert "Member" in row and "Sales" in row and "Active" in row and "Password" in row
        query = "WEB-MEMBER"
        found = client.get(PAGE, params={"q": query})
        with web_ws.ws.owner() as api:
            expected = [u["id"] for u in ok(api.get("/api/users", params={"q": query}))]
        assert _row_ids(found.text) == expected == [member["id"]]
        assert "1 user(s) match" in found.text
        assert "No users match." in client.get(PAGE, params={"q": "nobody-at-all"}).text


def test_invite_through_the_form_shows_the_link_once(web_ws: WebWorkspace) -> None:
    group = api_create(web_ws.ws, "/api/groups", {"name": "Ops"})
    email = f"new-{secrets.token_hex(3)}@example.com"
    with _signed_in(web_ws) as client:
        form = {"email": email, "name": "Nia", "role": "member", "group_ids": group["id"]}
        answer = _post(client, PAGE, form, PAGE)
        assert answer.status_code == 201 and answer.headers["cache-control"] == "no-store"
        link = _link_of(answer.text)
        assert "Shown only now" in answer.text and "No mail is sent" in answer.text
        assert link.startswith(web_ws.base_url + "/invite/")
        assert link not in client.get(PAGE).text
        invited = _user(web_ws, email)
        assert invited["group_ids"] == [group["id"]] and invited["has_password"] is False
        detail = client.get(f"{PAGE}/{invited['id']}").text
        assert "Not yet (invite pending)" in detail and "Issue a new invite link" in detail
    with web_ws.ws.server.client() as fresh:
        page = fresh.get(link)
        assert page.status_code == 200 and "Choose your password" in page.text
        assert page.headers["cache-control"] == "no-store"
        choose = {"csrf": csrf_of(page.text), "password": PASSWORD, "password_confirm": PASSWORD}
        landed = fresh.post(link, data=choose)
        assert landed.status_code == 303 and landed.headers["location"] == "/"
        assert fresh.get("/").status_code == 200


def test_invite_errors_stay_at_the_field(web_ws: WebWorkspace) -> None:
    admin_email = _admin(web_ws)
    with _signed_in(web_ws) as client:
        answer = _post(client, PAGE, {"email": "no-at-sign", "name": "Kept"}, PAGE)
        assert answer.status_code == 422
        assert 'id="invite-email-error"' in answer.text and 'value="Kept"' in answer.text
        answer = _post(client, PAGE, {"email": web_ws.member_email}, PAGE)
        assert answer.status_code == 409 and "already exists" in answer.text
    with _signed_in(web_ws, admin_email) as client:
        page = client.get(PAGE).text
        assert 'value="owner"' not in page.split('id="invite-role"', 1)[1].split("</select>")[0]
        forged = _post(client, PAGE, {"email": "boss@example.com", "role": "owner"}, PAGE)
        assert forged.status_code == 403 and 'id="invite-role-error"' in forged.text
    assert not any(u["email"] == "boss@example.com" for u in api_get(web_ws.ws, "/api/users"))


def test_owner_manages_a_member_on_their_page(web_ws: WebWorkspace) -> None:
    member = _user(web_ws, web_ws.member_email)
    detail = f"{PAGE}/{member['id']}"
    with web_ws.ws.owner() as api:
        key = ok(api.post(f"/api/users/{member['id']}/api-keys", json={"name": "laptop"}), 201)
        spare = ok(api.post(f"/api/users/{member['id']}/api-keys", json={"name": "spare"}), 201)
    with _signed_in(web_ws) as client, _signed_in(web_ws, web_ws.member_email) as member_client:
        page = client.get(detail)
        assert page.status_code == 200 and f'id="api-key-{key["id"]}"' in page.text
        answer = _post(client, f"{detail}/keys/{spare['id']}/revoke", {}, detail)
        assert answer.status_code == 303
        assert "API key revoked." in client.get(answer.headers["location"]).text
        with web_ws.ws.server.client(spare["key"]) as spare_api:
            assert spare_api.get("/api/me").status_code == 401

        answer = _post(client, f"{detail}/role", {"role": "admin"}, detail)
        assert (
            answer.status_code == 303
            and "Role changed." in client.get(answer.headers["location"]).text
        )
        assert _user(web_ws, web_ws.member_email)["role"] == "admin"
        assert member_client.get("/").status_code == 303  # a role change ends their sign-ins

        answer = _post(client, f"{detail}/active", {"active": "false"}, detail)
        assert answer.status_code == 303
        assert "every API key revoked" in client.get(answer.headers["location"]).text
        assert _user(web_ws, web_ws.member_email)["active"] is False
        with web_ws.ws.server.client(key["key"]) as member_api:
            assert member_api.get("/api/me").status_code == 401
        assert sign_in(member_client, web_ws.member_email).status_code == 401
        assert 'id="user-link"' not in client.get(detail).text  # no links for the deactivated

        answer = _post(client, f"{detail}/active", {"active": "true"}, detail)
        assert answer.status_code == 303 and _user(web_ws, web_ws.member_email)["active"] is True

        short = _post(client, f"{detail}/password", {"password": "short"}, detail)
        assert short.status_code == 422 and 'id="user-password-error"' in short.text
        answer = _post(client, f"{detail}/password", {"password": "a brand new password"}, detail)
        assert answer.status_code == 303
        assert sign_in(member_client, web_ws.member_email).status_code == 401
        assert (
            sign_in(member_client, web_ws.member_email, "a brand new password").status_code == 303
        )

        issued = _post(client, f"{detail}/link", {}, detail)
        assert issued.status_code == 201
        assert "Choose a new password" in member_client.get(_link_of(issued.text)).text


def test_admin_is_offered_nothing_on_an_owners_page_and_forgery_fails(
    web_ws: WebWorkspace,
) -> None:
    owner = _user(web_ws, web_ws.owner_email)
    detail = f"{PAGE}/{owner['id']}"
    with web_ws.ws.owner() as api:
        key = ok(api.post(f"/api/users/{owner['id']}/api-keys", json={"name": "own"}), 201)
    with _signed_in(web_ws, _admin(web_ws)) as client:
        page = client.get(detail).text
        assert 'id="higher-rank"' in page
        for form_id in ("user-role", "user-deactivate", "user-password", "user-link"):
            assert f'id="{form_id}"' not in page
        assert key["id"] not in page
        forged = [
            (f"{detail}/role", {"role": "member"}),
            (f"{detail}/active", {"active": "false"}),
            (f"{detail}/password", {"password": "an admin's guess"}),
            (f"{detail}/link", {}),
            (f"{detail}/keys/{key['id']}/revoke", {}),
        ]
        for path, form in forged:
            answer = _post(client, path, form, PAGE)
            assert answer.status_code == 403, (path, answer.status_code)
            assert "ranks above yours" in answer.text, path
    after = _user(web_ws, web_ws.owner_email)
    assert (after["role"], after["active"]) == ("owner", True)
    with web_ws.ws.server.client(key["key"]) as owner_api:
        assert owner_api.get("/api/me").status_code == 200
    with web_ws.ws.server.client() as client:
        assert sign_in(client, web_ws.owner_email).status_code == 303


def test_the_last_owner_stays_and_forms_need_csrf(web_ws: WebWorkspace) -> None:
    owner = _user(web_ws, web_ws.owner_email)
    detail = f"{PAGE}/{owner['id']}"
    with _signed_in(web_ws) as client:
        page = client.get(detail).text
        assert 'id="user-deactivate"' not in page and "You cannot deactivate yourself." in page
        answer = _post(client, f"{detail}/role", {"role": "member"}, detail)
        assert answer.status_code == 409 and "The last owner cannot be demoted." in answer.text
        answer = client.post(f"{detail}/active", data={"active": "false"})
        assert answer.status_code == 403 and "CSRF" in answer.text
        answer = client.post(PAGE, data={"email": "no-csrf@example.com"})
        assert answer.status_code == 403
    assert _user(web_ws, web_ws.owner_email)["role"] == "owner"


def test_the_german_pages_are_german(web_ws: WebWorkspace) -> None:
    with web_ws.ws.owner() as api:
        ok(api.patch("/api/me", json={"language": "de"}))
    member = _user(web_ws, web_ws.member_email)
    with _signed_in(web_ws) as client:
        listing = client.get(PAGE).text
        for label in (
            "Benutzer",
            "Nach E-Mail oder Name suchen",
            "Jemanden einladen",
            "Rolle",
            "Mitglied",
            "Inhaber",
            "Meldet sich an mit",
            "Einladung erstellen",
        ):
            assert label in listing, label
        for english in ("Invite someone", "Search by email", "Signs in with", "Send invite"):
            assert english not in listing, english
        detail = client.get(f"{PAGE}/{member['id']}").text
        for label in (
            "Alle Benutzer",
            "Rolle ändern",
            "Deaktivieren",
            "Passwort setzen",
            "Link zum Zurücksetzen erstellen",
            "API-Schlüssel",
        ):
            assert label in detail, label
        for english in ("Change role", "Deactivate", "Set password", "Issue a reset link"):
            assert english not in detail, english
        issued = _post(client, PAGE, {"email": "neu@example.com", "language": "de"}, PAGE)
        assert issued.status_code == 201 and "Nur jetzt sichtbar" in issued.text
    with web_ws.ws.server.client() as fresh:
        invite = fresh.get(_link_of(issued.text)).text
        assert "Wählen Sie Ihr Passwort" in invite and "Passwort wiederholen" in invite


def test_every_label_has_its_german() -> None:
    assert set(user_texts.DE) == set(user_texts.EN)
    assert all(user_texts.DE[key] for key in user_texts.EN)
