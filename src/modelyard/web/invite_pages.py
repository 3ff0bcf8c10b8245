"""The page an invited user opens from their one-time link to set a password.

GET shows the form (in the user's language); POST sets the password through
``workspace.invites.accept`` (the domain's password rule, the link used up, older sign-ins
ended), starts a web session and lands the user signed in. A link that was used, has expired
or was replaced gets a page saying so (410, or 404 when it never existed), never the form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import InvalidInput, NotFound
from modelyard.request_ids import request_id_of
from modelyard.web import i18n
from modelyard.web.auth import FormDep
from modelyard.web.pages import field_errors, finish, render, services_of, use_session
from modelyard.web.session import WebSession
from modelyard.workspace import invites, users, web_sessions
from modelyard.workspace.actor import ADMIN_ROLES
from modelyard.workspace.invites import InviteGone, OpenInvite

router = APIRouter(include_in_schema=False)


def _gone(request: Request, exc: NotFound | InviteGone, language: str = "en") -> Response:
    t = i18n.texts(language)
    message = t.get(f"invite_gone_{exc.code}", exc.message)
    return render(request, "invite_gone.html", {"t": t, "message": message}, status_code=exc.status)


def _form(
    request: Request, found: OpenInvite, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    t = i18n.texts(found.user.language)
    context: dict[str, Any] = {
        "t": t,
        "lang": found.user.language,
        "invite": found,
        "expires": found.expires_at.strftime("%Y-%m-%d %H:%M"),
        "errors": errors or {},
    }
    response = render(request, "invite.html", context, status_code=status)
    response.headers["cache-control"] = "no-store"  # its address is the credential
    return response


def _open(request: Request, token: str) -> OpenInvite:
    with services_of(request).session() as db:
        return invites.open_invite(db, token)


@router.get("/invite/{token}")
def invite_page(request: Request, token: str) -> Response:
    try:
        found = _open(request, token)
    except (NotFound, InviteGone) as exc:
        return _gone(request, exc)
    return _form(request, found)


@router.post("/invite/{token}")
def accept_invite(request: Request, token: str, form: FormDep) -> Response:
    password = str(form.get("password") or "")
    confirm = str(form.get("password_confirm") or "")
    try:
        found = _open(request, token)
    except (NotFound, InviteGone) as exc:
        return _gone(request, exc)
    if password != confirm:
        mismatch = {"password_confirm": i18n.texts(found.user.language)["invite_mismatch"]}
        return _form(request, found, mismatch, status=422)
    services = services_of(request)
    try:
        with services.session() as db:
            user_id = invites.accept(db, token, password, request_id_of(request.scope))
            session_id = web_sessions.start(db, user_id)
            signed_in = users.find_signed_in(db, user_id, session_id)
    except (NotFound, InviteGone) as exc:
        return _gone(request, exc, found.user.language)
    except InvalidInput as exc:
        return _form(request, found, field_errors(exc, found.user.language), status=exc.status)
    use_session(request, WebSession.new(user_id, session_id))
    admin = signed_in is not None and signed_in[0].role in ADMIN_ROLES
    target = "/settings/models" if admin else "/"
    return finish(request, RedirectResponse(target, status_code=303))
