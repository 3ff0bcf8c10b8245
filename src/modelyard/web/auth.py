"""Sign-in, sign-out and the guards every web page goes through.

A page learns who is acting from the session cookie, re-reading the user row each time so that a
deleted user or a changed role takes effect at once. Every POST passes ``posted_form``, which
refuses a form without the session's CSRF token before anything else happens.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, unquote, urlencode, urlsplit

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


NEXT = "next"
NEXT_COOKIE = "modelyard_next"
NEXT_MAX_AGE_SECONDS = 30 * 60
MAX_NEXT_LENGTH = 500  # as single sign-on's own return path (oidc_pages)
_NOT_NEXT = ("/login", "/logout")


def local_path(value: str | None) -> str | None:
    """``value`` when it is a path of this site ("/settings/usage?from=..."), else None: no
    scheme, no host, no "//" or "/\\" (which browsers read as another host), no control
    characters, never the sign-in or sign-out page itself. What keeps ``next`` from being an
    open redirect."""
    if not value or len(value) > MAX_NEXT_LENGTH or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")):
        return None
    if any(ord(char) < 32 or char in "\\\x7f" for char in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in _NOT_NEXT:
        return None
    return value


def _this_page(request: Request) -> str | None:
    """This request's path and query, when a sign-in may come back to it (GETs only: a form
    sent after the session ended cannot be replayed); not for "/", where sign-in lands anyway."""
    if request.method != "GET":
        return None
    here = local_path(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return here if here != "/" else None


def login_url(request: Request) -> str:
    """The sign-in page, asked (``?next=``) to come back to this page afterwards."""
    here = _this_page(request)
    return "/login?" + urlencode({NEXT: here}) if here else "/login"


def login_redirect(request: Request) -> Response:
    """To the sign-in page, which comes back here afterwards: the page is remembered in a
    short-lived cookie of the sign-in page's own, so the address stays plain ``/login``."""
    response = RedirectResponse("/login", status_code=303)
    here = _this_page(request)
    if here:
        response.set_cookie(
            NEXT_COOKIE,
            quote(here, safe=""),
            max_age=NEXT_MAX_AGE_SECONDS,
            path="/login",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


def _next_of(request: Request, form: FormData) -> str | None:
    """Where to go after signing in: the form's ``next`` (from ``/login?next=``), else the
    page the cookie of ``login_redirect`` remembers; only ever a local path."""
    given = form.get(NEXT)
    if isinstance(given, str) and given:
        return local_path(given)
    return local_path(unquote(request.cookies.get(NEXT_COOKIE, "")))


def _may_open(user: WebUser, path: str) -> bool:
    """Members are not sent back to an admin page they just failed to open."""
    return user.actor.is_admin or not (path == "/settings" or path.startswith("/settings/"))


def _login_context(request: Request, email: str, next_path: str | None) -> dict[str, object]:
    """The sign-in page's labels (browser's language), whether it offers single sign-on and
    where to go afterwards."""
    enabled = services_of(request).settings.oidc_enabled
    return {
        "t": texts(language_of(request)),
        "oidc_enabled": enabled,
        "email": email,
        "next": next_path or "",
    }


@router.get("/login")
def login_page(request: Request) -> Response:
    remembered = unquote(request.cookies.get(NEXT_COOKIE, ""))
    next_path = local_path(request.query_params.get(NEXT)) or local_path(remembered)
    return render(request, "login.html", _login_context(request, "", next_path))


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
    next_path = _next_of(request, form)
    throttle = _login_throttle(request)
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(email, address)
    if wait:
        message = TOO_MANY_LOGINS.format(minutes=_wait_text(wait))
        response = render(
            request,
            "login.html",
            _login_context(request, email, next_path) | {"errors": {"_": message}},
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user_id, matches = _authenticate(request, email, password)
    session_id = _start_session(request, user_id) if user_id else None
    user = _load_user(request, user_id, session_id) if user_id else None
    if user is None:
        throttle.failed(email, address)
        context = _login_context(request, email, next_path) | {"errors": {"_": BAD_LOGIN}}
        return render(request, "login.html", context, status_code=401)
    throttle.succeeded(email)
    use_session(request, WebSession.new(user.actor.user_id, session_id))
    target = next_path if next_path and _may_open(user, next_path) else landing(user)
    if matches > 1:
        target += ("&" if "?" in target else "?") + "others=1"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(NEXT_COOKIE, path="/login")
    return finish(request, response)


@router.post("/logout")
async def logout(request: Request, form: FormDep) -> Response:
    """Ends this session everywhere: a copy of the cookie kept from before no longer works."""
    with services_of(request).session() as db:
        web_sessions.end(db, current_session(request).session_id)
    use_session(request, WebSession.new())
    return finish(request, RedirectResponse("/login", status_code=303))
