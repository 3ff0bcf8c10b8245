"""Settings -> Users: list and search, invite, and per user their role, deactivation, password
(set, or a one-time reset link) and API keys. In English and German (``i18n``).

Every form goes to the domain the admin API uses (``users``, ``invites``, ``api_keys``), so the
rank rule (owner > admin > member) and the last-owner rule are the domain's: a page offers
only what ``ranks.may_manage`` allows, and a forged form is refused there all the same, with
the status the API would answer. A new link is shown once, in the answer to its form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import ModelyardError
from modelyard.web import i18n
from modelyard.web.auth import AdminUserDep, FormDep, WebUser
from modelyard.web.pages import field_errors, finish, form_values, render, services_of
from modelyard.workspace import api_keys, groups, invites, ranks, users
from modelyard.workspace.invite_mail import Mailer
from modelyard.workspace.invites import InviteCreate, InviteOut
from modelyard.workspace.schemas import UserOut, UserUpdate

router = APIRouter(include_in_schema=False)

PAGE = "/settings/users"
ROLES = ("member", "admin", "owner")
SAVED = ("role", "deactivated", "reactivated", "password", "revoked")
INVITE_FIELDS = ("email", "name", "role", "language")


def _status(exc: ModelyardError | ValidationError) -> int:
    return exc.status if isinstance(exc, ModelyardError) else 422


def _base_url(request: Request) -> str:
    return services_of(request).settings.public_url or str(request.base_url)


def _mailer(request: Request) -> Mailer | None:
    return Mailer.from_settings(services_of(request).settings)


def grantable(user: WebUser) -> list[str]:
    """The roles this admin may give: up to their own (only owners make owners)."""
    return [role for role in ROLES if ranks.rank(role) <= ranks.rank(user.actor.role)]


def sign_in_kind(person: UserOut) -> str:
    if person.has_password and person.sso:
        return "both"
    return "password" if person.has_password else "sso" if person.sso else "nothing"


def _context(request: Request, user: WebUser) -> dict[str, Any]:
    t = i18n.texts(user.language)
    saved = request.query_params.get("saved")
    return {
        "t": t,
        "saved": t[f"users_saved_{saved}"] if saved in SAVED else None,
        "sign_in_kind": sign_in_kind,
        "fmt": lambda when: when.strftime("%Y-%m-%d %H:%M") if when else "",
        "mail_on": _mailer(request) is not None,
    }


def _list(
    request: Request,
    user: WebUser,
    *,
    issued: InviteOut | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    query = (request.query_params.get("q") or "").strip()[:200]
    with services_of(request).session() as db:
        people = users.list_users(db, user.actor, query or None)
        all_groups = groups.list_groups(db, user.actor)
    context = _context(request, user) | {
        "people": people,
        "query": query,
        "groups": all_groups,
        "group_names": {g.id: g.name for g in all_groups},
        "roles": grantable(user),
        "issued": issued,
        "errors": errors or {},
        "values": values or {},
    }
    return _no_store(render(request, "users.html", context, status_code=status), issued)


@router.get(PAGE)
def users_page(request: Request, user: AdminUserDep) -> Response:
    return _list(request, user)


@router.post(PAGE)
def invite_user(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    values: dict[str, Any] = form_values(form, INVITE_FIELDS)
    values["group_ids"] = form.getlist("group_ids")
    try:
        data = InviteCreate.model_validate(values)
        with services_of(request).session() as db:
            issued = invites.invite(db, user.actor, data, _base_url(request), _mailer(request))
    except (ModelyardError, ValidationError) as exc:
        return _list(
            request,
            user,
            errors=field_errors(exc, user.language),
            values=values,
            status=_status(exc),
        )
    services_of(request).config.invalidate()
    return _list(request, user, issued=issued, status=201)


def _key_rows(keys: list[Any]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    for key in keys:
        state = (
            "revoked"
            if key.revoked_at
            else "expired"
            if key.expires_at and key.expires_at <= now
            else "active"
        )
        rows.append({"key": key, "state": state})
    return rows


def _detail(
    request: Request,
    user: WebUser,
    user_id: str,
    *,
    issued: InviteOut | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with services_of(request).session() as db:
        person = users.get_user(db, user.actor, user_id)
        manage = ranks.may_manage(user.actor, person.id, person.role)
        keys = api_keys.list_keys(db, user.actor, person.id) if manage else []
        names = {g.id: g.name for g in groups.list_groups(db, user.actor)}
    context = _context(request, user) | {
        "person": person,
        "manage": manage,
        "is_self": person.id == user.actor.user_id,
        "keys": _key_rows(keys),
        "group_names": names,
        "roles": grantable(user),
        "issued": issued,
        "errors": errors or {},
    }
    return _no_store(render(request, "user.html", context, status_code=status), issued)


def _no_store(response: Response, issued: InviteOut | None) -> Response:
    """A page showing a one-time link is kept in no cache (as a new API key's page)."""
    if issued is not None:
        response.headers["cache-control"] = "no-store"
    return response


@router.get(PAGE + "/{user_id}")
def user_page(request: Request, user_id: str, user: AdminUserDep) -> Response:
    return _detail(request, user, user_id)


def _change(
    request: Request, user: WebUser, user_id: str, change: Callable[[Session], Any], saved: str
) -> Response:
    """Run one form's change through the domain: back to the page with its errors, or on to
    it with the notice ``saved`` (to sign-in when the admin changed their own sign-in away)."""
    try:
        with services_of(request).session() as db:
            change(db)
    except (ModelyardError, ValidationError) as exc:
        return _detail(
            request, user, user_id, errors=field_errors(exc, user.language), status=_status(exc)
        )
    services_of(request).config.invalidate()  # keys revoked: this replica drops them at once
    return finish(request, RedirectResponse(f"{PAGE}/{user_id}?saved={saved}", status_code=303))


def _update(user: WebUser, user_id: str, fields: dict[str, Any]) -> Callable[[Session], Any]:
    return lambda db: users.update_user(db, user.actor, user_id, UserUpdate.model_validate(fields))


@router.post(PAGE + "/{user_id}/role")
def change_role(request: Request, user_id: str, user: AdminUserDep, form: FormDep) -> Response:
    fields = {"role": str(form.get("role") or "")}
    return _change(request, user, user_id, _update(user, user_id, fields), "role")


@router.post(PAGE + "/{user_id}/active")
def change_active(request: Request, user_id: str, user: AdminUserDep, form: FormDep) -> Response:
    active = str(form.get("active") or "") == "true"
    saved = "reactivated" if active else "deactivated"
    return _change(request, user, user_id, _update(user, user_id, {"active": active}), saved)


@router.post(PAGE + "/{user_id}/password")
def set_password(request: Request, user_id: str, user: AdminUserDep, form: FormDep) -> Response:
    fields = {"password": str(form.get("password") or "")}
    return _change(request, user, user_id, _update(user, user_id, fields), "password")


@router.post(PAGE + "/{user_id}/link")
def reset_link(request: Request, user_id: str, user: AdminUserDep, form: FormDep) -> Response:
    try:
        with services_of(request).session() as db:
            issued = invites.issue_link(
                db, user.actor, user_id, _base_url(request), _mailer(request)
            )
    except ModelyardError as exc:
        return _detail(
            request, user, user_id, errors=field_errors(exc, user.language), status=exc.status
        )
    return _detail(request, user, user_id, issued=issued, status=201)


@router.post(PAGE + "/{user_id}/keys/{key_id}/revoke")
def revoke_key(
    request: Request, user_id: str, key_id: str, user: AdminUserDep, form: FormDep
) -> Response:
    return _change(
        request,
        user,
        user_id,
        lambda db: api_keys.revoke_key(db, user.actor, key_id),
        "revoked",
    )
