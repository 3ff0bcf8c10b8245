"""Sign-in, sign-out and the guards every web page goes through.

A page learns who is acting from the session cookie, re-reading the user row each time so that a
deleted user or a changed role takes effect at once. Every POST passes ``posted_form``, which
refuses a form without the session's CSRF token before anything else happens.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.request_ids import request_id_of
from modelyard.security.passwords import MAX_PASSWORD_LENGTH, hash_password, verify_password
from modelyard.web.i18n import texts
from modelyard.web.login_throttle import LoginThrottle
from modelyard.web.pages import current_session, finish, render, services_of, use_session
from modelyard.web.session import WebSession
from modelyard.web.sso_texts import language_of
from modelyard.workspace import users, web_sessions
from modelyard.workspace.actor import Actor

router = APIRouter(include_in_schema=False)

BAD_LOGIN = "Wrong email or password."
TOO_MANY_LOGINS = "Too many failed sign-ins. Wait {minutes} and try again."


class LoginRequired(Exception):
    """No signed-in user: the page sends the browser to /login."""


class AdminRequired(Exception):
    """A member opened an admin page: 403 with a way back."""


class CsrfRefused(Exception):
    """A POST without the session's CSRF token: 403, nothing done."""


@dataclass(frozen=True, slots=True)
class WebUser:
    """The signed-in person: the domain's ``Actor`` plus what pages show about them."""

    actor: Actor
    name: str
    language: str
    workspace_name: str


def _load_user(request: Request, user_id: str, session_id: str | None) -> WebUser | None:
    with services_of(request).session() as db:
        found = users.find_signed_in(db, user_id, session_id)
    if found is None:
        return None
    row, workspace_name = found
    actor = Actor(
        user_id=row.id,
        workspace_id=row.workspace_id,
        role=row.role,
        email=row.email,
        request_id=request_id_of(request.scope),  # named by the audit rows of its changes
    )
    return WebUser(actor, row.name, row.language, workspace_name)


def signed_in(request: Request) -> WebUser:
    """The signed-in user, or LoginRequired."""
    session = current_session(request)
    user_id = session.user_id
    user = _load_user(request, user_id, session.session_id) if user_id else None
    if user is None:
        raise LoginRequired
    request.state.web_user = user
    return user


def signed_in_admin(user: Annotated[WebUser, Depends(signed_in)]) -> WebUser:
    """The signed-in user, who must be an admin or owner, or AdminRequired."""
    if not user.actor.is_admin:
        raise AdminRequired
    return user


UserDep = Annotated[WebUser, Depends(signed_in)]
AdminUserDep = Annotated[WebUser, Depends(signed_in_admin)]


async def posted_form(request: Request) -> FormData:
    """The POSTed form, once its CSRF token matched the session's (CsrfRefused otherwise)."""
    form = await request.form()
    token = form.get("csrf")
    if not current_session(request).accepts(token if isinstance(token, str) else None):
        raise CsrfRefused
    return form


FormDep = Annotated[FormData, Depends(posted_form)]


@functools.cache
def _dummy_hash() -> str:
    # Unknown emails cost one Argon2 verification too, so timing does not reveal who exists.
    return hash_password("not-a-password-of-anyone")


def _authenticate(request: Request, email: str, password: str) -> tuple[str | None, int]:
    """The id of the user these credentials belong to, and how many workspaces share the email.

    Emails are unique per workspace only; with several matches the oldest account whose
    password matches wins, and the page says that others exist.
    """
    with services_of(request).session() as db:
        rows = users.find_for_sign_in(db, email)
    if len(password) > MAX_PASSWORD_LENGTH:
        return None, len(rows)
    for user_id, password_hash in rows:
        if verify_password(password_hash, password):
            return user_id, len(rows)
    if not rows:
        verify_password(_dummy_hash(), password)
    return None, len(rows)


def _start_session(request: Request, user_id: str) -> str:
    with services_of(request).session() as db:
        return web_sessions.start(db, user_id)


def landing(user: WebUser) -> str:
    return "/settings/models" if user.actor.is_admin else "/"


def _login_context(request: Request, email: str) -> dict[str, object]:
    """The sign-in page's labels (browser's language) and whether it offers single sign-on."""
    enabled = services_of(request).settings.oidc_enabled
    return {"t": texts(language_of(request)), "oidc_enabled": enabled, "email": email}


@router.get("/login")
def login_page(request: Request) -> Response:
    return render(request, "login.html", _login_context(request, ""))


def _login_throttle(request: Request) -> LoginThrottle:
    """The throttle of this process's web app (``install`` creates it)."""
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def _wait_text(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return "a minute" if minutes <= 1 else f"{minutes} minutes"


@router.post("/login")
async def login(request: Request, form: FormDep) -> Response:
    """Signs in; failed attempts are throttled per email and per address (``login_throttle``)."""
    email, password = str(form.get("email") or ""), str(form.get("password") or "")
    throttle = _login_throttle(request)
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(email, address)
    if wait:
        message = TOO_MANY_LOGINS.format(minutes=_wait_text(wait))
        response = render(
            request,
            "login.html",
            _login_context(request, email) | {"errors": {"_": message}},
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user_id, matches = _authenticate(request, email, password)
    session_id = _start_session(request, user_id) if user_id else None
    user = _load_user(request, user_id, session_id) if user_id else None
    if user is None:
        throttle.failed(email, address)
        context = _login_context(request, email) | {"errors": {"_": BAD_LOGIN}}
        return render(request, "login.html", context, status_code=401)
    throttle.succeeded(email)
    use_session(request, WebSession.new(user.actor.user_id, session_id))
    target = landing(user) + ("?others=1" if matches > 1 else "")
    return finish(request, RedirectResponse(target, status_code=303))


@router.post("/logout")
async def logout(request: Request, form: FormDep) -> Response:
    """Ends this session everywhere: a copy of the cookie kept from before no longer works."""
    with services_of(request).session() as db:
        web_sessions.end(db, current_session(request).session_id)
    use_session(request, WebSession.new())
    return finish(request, RedirectResponse("/login", status_code=303))
