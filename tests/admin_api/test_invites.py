"""``POST /api/invites`` and ``POST /api/users/{id}/invite`` over real HTTP on both backends: the
new user without a password, in their groups; the one-time link (stored as a hash only) sets
a password once on its page and signs in; a newer link replaces the old one; used, expired and
unknown links are refused; the rank rules; bad input names its field and writes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select, update

from modelyard.settings import Settings
from modelyard.storage.tables import AuditRow, InviteRow, UserRow
from modelyard.workspace.bootstrap import create_workspace
from tests.support import (
    RunningServer,
    Workspace,
    error_of,
    free_port,
    new_workspace,
    ok,
    running_server,
)
from tests.web.helpers import csrf_of, sign_in

PASSWORD = "a long new password"


def _email() -> str:
    return f"invitee-{secrets.token_hex(3)}@example.com"


def _invite(ws: Workspace, **body: Any) -> dict[str, Any]:
    with ws.owner() as api:
        out: dict[str, Any] = ok(api.post("/api/invites", json={"email": _email(), **body}), 201)
    return out


def _path(invite_url: str) -> str:
    return "/invite/" + invite_url.rsplit("/invite/", 1)[1]


def _accept(ws: Workspace, invite_url: str, password: str = PASSWORD) -> httpx.Response:
    """Open the link in a fresh browser-like client and choose ``password``."""
    with ws.server.client() as client:
        page = client.get(_path(invite_url))
        assert page.status_code == 200, page.text
        form = {"csrf": csrf_of(page.text), "password": password, "password_confirm": password}
        answer = client.post(_path(invite_url), data=form)
        if answer.status_code == 303:
            # Signed in: the landing page opens with the session the link started.
            landed = client.get(answer.headers["location"])
            assert landed.status_code == 200, landed.text
        return answer


def _users(ws: Workspace) -> list[dict[str, Any]]:
    with ws.owner() as api:
        found: list[dict[str, Any]] = ok(api.get("/api/users"))
    return found


def test_invite_creates_the_user_and_a_one_time_link(ws: Workspace) -> None:
    with ws.owner() as api:
        group = ok(api.post("/api/groups", json={"name": f"g-{secrets.token_hex(3)}"}), 201)
    email = _email()
    out = _invite(ws, email=email.upper(), name="Ida", role="admin", group_ids=[group["id"]])
    assert set(out) == {"user", "invite_url", "expires_at", "emailed", "mail_error"}
    user = out["user"]
    assert (user["email"], user["name"], user["role"]) == (email, "Ida", "admin")
    assert user["group_ids"] == [group["id"]] and user["has_password"] is False
    assert out["emailed"] is False and out["mail_error"] is None
    assert out["invite_url"].startswith(ws.server.base_url + "/invite/")
    expires = datetime.fromisoformat(out["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    token = out["invite_url"].rsplit("/", 1)[1]
    with ws.server.services.session() as session:
        [row] = session.scalars(select(InviteRow).where(InviteRow.user_id == user["id"]))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        audits = session.scalars(select(AuditRow).where(AuditRow.target_id == user["id"]))
        assert all(token not in str(a.details) for a in audits)
    assert any(u["id"] == user["id"] for u in _users(ws))

    answer = _accept(ws, out["invite_url"])
    assert answer.status_code == 303 and answer.headers["location"] == "/settings/models"
    with ws.owner() as api:
        assert ok(api.get(f"/api/users/{user['id']}"))["has_password"] is True
    with ws.server.client() as client:
        assert sign_in(client, email, PASSWORD).status_code == 303
        # Used once: the same link is now a clear 410 page, with no form.
        again = client.get(_path(out["invite_url"]))
        assert again.status_code == 410 and "already used" in again.text
        assert 'name="password"' not in again.text
        assert client.get("/invite/" + secrets.token_urlsafe(32)).status_code == 404
        assert client.get("/invite/not-a-token").status_code == 404


def test_a_new_link_replaces_the_old_and_resets_the_password(ws: Workspace) -> None:
    first = _invite(ws)
    user_id = first["user"]["id"]
    assert _accept(ws, first["invite_url"]).status_code == 303
    with ws.server.client() as old_session:
        assert sign_in(old_session, first["user"]["email"], PASSWORD).status_code == 303
        with ws.owner() as api:
            second = ok(api.post(f"/api/users/{user_id}/invite"), 201)
            third = ok(api.post(f"/api/users/{user_id}/invite"), 201)
        with ws.server.client() as client:
            assert client.get(_path(second["invite_url"])).status_code == 404
            page = client.get(_path(third["invite_url"]))
            assert "Choose a new password" in page.text
        assert _accept(ws, third["invite_url"], "another long password").status_code == 303
        # The reset ended the sign-in made with the old password.
        assert old_session.get("/").status_code == 303
    with ws.server.client() as client:
        assert sign_in(client, first["user"]["email"], PASSWORD).status_code == 401
        assert sign_in(client, first["user"]["email"], "another long password").status_code == 303


def test_expired_and_deactivated_links_are_gone(ws: Workspace) -> None:
    out = _invite(ws)
    with ws.server.services.session() as session:
        session.execute(
            update(InviteRow)
            .where(InviteRow.user_id == out["user"]["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    with ws.server.client() as client:
        page = client.get(_path(out["invite_url"]))
        assert page.status_code == 410 and "expired" in page.text
    other = _invite(ws)
    with ws.owner() as api:
        ok(api.patch(f"/api/users/{other['user']['id']}", json={"active": False}))
        refused = error_of(api.post(f"/api/users/{other['user']['id']}/invite"), 409)
        assert refused["code"] == "user_deactivated"
    with ws.server.client() as client:
        page = client.get(_path(other["invite_url"]))
        assert page.status_code == 410 and "deactivated" in page.text
    # Reactivated, the old link stays void (it may have leaked meanwhile); a new one works.
    with ws.owner() as api:
        ok(api.patch(f"/api/users/{other['user']['id']}", json={"active": True}))
    with ws.server.client() as client:
        page = client.get(_path(other["invite_url"]))
        assert page.status_code == 410 and "since this link was issued" in page.text
    with ws.owner() as api:
        fresh = ok(api.post(f"/api/users/{other['user']['id']}/invite"), 201)
    assert _accept(ws, fresh["invite_url"]).status_code == 303


def test_two_uses_at_once_one_wins(ws: Workspace) -> None:
    out = _invite(ws)
    clients = [ws.server.client() for _ in range(2)]
    try:
        forms = []
        for n, client in enumerate(clients):
            page = client.get(_path(out["invite_url"]))
            password = f"{PASSWORD} {n}"
            forms.append({"csrf": csrf_of(page.text), "password": password,
                          "password_confirm": password})  # fmt: skip
        with ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(
                    lambda pair: pair[0].post(_path(out["invite_url"]), data=pair[1]),
                    zip(clients, forms, strict=True),
                )
            )
    finally:
        for client in clients:
            client.close()
    assert sorted(a.status_code for a in answers) == [303, 410], [a.text for a in answers]
    winner = forms[[a.status_code for a in answers].index(303)]["password"]
    with ws.server.client() as client:
        assert sign_in(client, out["user"]["email"], winner).status_code == 303


def test_a_password_too_short_is_refused_on_the_page_and_the_link_still_works(
    ws: Workspace,
) -> None:
    out = _invite(ws)
    with ws.server.client() as client:
        page = client.get(_path(out["invite_url"]))
        token = csrf_of(page.text)
        short = {"csrf": token, "password": "short", "password_confirm": "short"}
        refused = client.post(_path(out["invite_url"]), data=short)
        assert refused.status_code == 422 and "at least 8 characters" in refused.text
        differ = {"csrf": token, "password": PASSWORD, "password_confirm": PASSWORD + "x"}
        refused = client.post(_path(out["invite_url"]), data=differ)
        assert refused.status_code == 422 and "The two passwords differ." in refused.text
        no_csrf = {"password": PASSWORD, "password_confirm": PASSWORD}
        assert client.post(_path(out["invite_url"]), data=no_csrf).status_code == 403
    assert _accept(ws, out["invite_url"]).status_code == 303


def test_rank_rules(ws: Workspace) -> None:
    _, admin_key = ws.add_user("admin")
    _, member_key = ws.add_user("member")
    owner = _invite(ws, role="owner")["user"]
    with ws.server.client(admin_key) as admin:
        refused = error_of(
            admin.post("/api/invites", json={"email": _email(), "role": "owner"}), 403
        )
        assert refused["param"] == "role" and refused["code"] == "owner_required"
        refused = error_of(admin.post(f"/api/users/{owner['id']}/invite"), 403)
        assert refused["code"] == "higher_rank"
        peer = ok(admin.post("/api/invites", json={"email": _email(), "role": "admin"}), 201)
        assert peer["user"]["role"] == "admin"
    with ws.server.client(member_key) as member:
        error_of(member.post("/api/invites", json={"email": _email()}), 403)
        error_of(member.post(f"/api/users/{peer['user']['id']}/invite"), 403)
    with ws.owner() as api:
        assert ok(api.post(f"/api/users/{owner['id']}/invite"), 201)["user"]["role"] == "owner"


def test_bad_input_names_the_field_and_writes_nothing(ws: Workspace) -> None:
    before = len(_users(ws))
    taken = _users(ws)[0]["email"]
    with ws.owner() as api:
        cases: list[tuple[dict[str, Any], int, str]] = [
            ({"email": "no-at-sign"}, 422, "email"),
            ({"email": _email(), "role": "boss"}, 422, "role"),
            ({"email": _email(), "group_ids": ["grp_nope"]}, 422, "group_ids"),
            ({"email": _email(), "colour": "red"}, 422, "colour"),
            ({"email": taken}, 409, "email"),
        ]
        for body, status, param in cases:
            assert error_of(api.post("/api/invites", json=body), status)["param"] == param, body
        error_of(api.post("/api/users/usr_nope/invite"), 404)
    assert len(_users(ws)) == before
    with ws.server.services.session() as session:
        emails = set(session.scalars(select(UserRow.email).where(UserRow.workspace_id == ws.id)))
        assert not any(email.startswith("invitee-") for email in emails)


# --- invites mailed through a real SMTP server (aiosmtpd on loopback) ---------------------

SMTP_USER = "modelyard"
SMTP_SECRET = "smtp-secret-canary-4f1e"


class Inbox:
    """An SMTP server's handler keeping every mail it accepted."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(parsed)
        return "250 OK"


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(),
        SMTP_SECRET.encode(),
    )
    return AuthResult(success=good, handled=False)  # a failure answers 535


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        # AUTH offered without TLS (loopback in a test; real servers take STARTTLS): a wrong
        # login is refused, and the mails below came with the right one.
        auth_require_tls=False,
        authenticator=_check_login,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _mail_settings(data_dir: Path, port: int, secret: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        allowed_upstream_hosts=["127.0.0.1"],
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_username=SMTP_USER,
        smtp_password=secret,
        smtp_from="hub@example.com",
        smtp_starttls=False,
    )


@pytest.fixture(scope="module")
def mailing(
    smtp: tuple[Inbox, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server (SQLite) whose invites go to the SMTP server above."""
    settings = _mail_settings(tmp_path_factory.mktemp("mail"), smtp[1], SMTP_SECRET)
    with running_server(settings, "sqlite") as running:
        yield running


def _body(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_invites_and_reset_links_are_mailed(
    mailing: RunningServer, smtp: tuple[Inbox, int]
) -> None:
    inbox = smtp[0]
    ws = new_workspace(mailing)
    inbox.mails.clear()
    email = _email()
    out = _invite(ws, email=email, language="de")
    assert out["emailed"] is True and out["mail_error"] is None
    [mail] = inbox.mails
    assert (mail["To"], mail["From"]) == (email, "hub@example.com")
    assert mail["Subject"] == "Ihre Einladung in Test auf Modelyard"
    assert out["invite_url"] in _body(mail)
    assert _accept(ws, out["invite_url"]).status_code == 303
    with ws.owner() as api:
        reset = ok(api.post(f"/api/users/{out['user']['id']}/invite"), 201)
    assert reset["emailed"] is True
    assert inbox.mails[-1]["Subject"] == "Neues Modelyard-Passwort für Test"
    assert reset["invite_url"] in _body(inbox.mails[-1])
    assert SMTP_SECRET not in str([m.as_string() for m in inbox.mails])


def test_a_refused_mail_still_gives_the_link_and_no_secret(
    smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    wrong = "wrong-secret-canary-77aa"
    with running_server(_mail_settings(tmp_path, smtp[1], wrong), "sqlite") as running:
        ws = new_workspace(running)
        with ws.owner() as api:
            answer = api.post("/api/invites", json={"email": _email()})
        out = ok(answer, 201)
        assert out["emailed"] is False
        assert out["mail_error"] == f"The SMTP server 127.0.0.1:{smtp[1]} refused the login (535)."
        assert wrong not in answer.text and SMTP_SECRET not in answer.text
        assert _accept(ws, out["invite_url"]).status_code == 303


def test_the_users_page_says_the_invite_was_mailed(
    mailing: RunningServer, smtp: tuple[Inbox, int]
) -> None:
    owner_email = _email()
    with mailing.services.session() as session:
        create_workspace(session, "Mail test", owner_email, PASSWORD)
    email = _email()
    with mailing.client() as client:
        assert sign_in(client, owner_email, PASSWORD).status_code == 303
        page = client.get("/settings/users")
        assert "The link is mailed to them." in page.text
        form = {"csrf": csrf_of(page.text), "email": email, "role": "member"}
        answer = client.post("/settings/users", data=form)
    assert answer.status_code == 201
    assert f"Mailed to {email}." in answer.text
    assert smtp[0].mails[-1]["To"] == email


def test_a_password_set_by_an_admin_voids_the_open_link(ws: Workspace) -> None:
    invited = _invite(ws)
    with ws.owner() as api:
        body = {"password": "set by the admin 1"}
        ok(api.patch(f"/api/users/{invited['user']['id']}", json=body))
    with ws.server.client() as client:
        assert client.get(_path(invited["invite_url"])).status_code in (404, 410)


def test_the_email_of_a_user_deleted_by_scim_can_be_invited_again(ws: Workspace) -> None:
    from tests.scim.conftest import new_scim

    scim = new_scim(ws)
    email = _email()
    with scim.client() as api:
        created = ok(api.post("/Users", json={"userName": email, "active": True}), 201)
        assert api.delete(f"/Users/{created['id']}").status_code == 204
    assert email not in {user["email"] for user in _users(ws)}
    again = _invite(ws, email=email, role="admin")
    assert again["user"]["id"] == created["id"]  # the same row: its usage history stays
    assert (again["user"]["role"], again["user"]["active"]) == ("admin", True)
    assert _accept(ws, again["invite_url"]).status_code == 303
