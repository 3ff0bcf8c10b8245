"""Workspace Settings -> Groups: list and create groups; per group its name, members and the
models it may use, and deleting it. In English and German (``i18n``, by the admin's language).

Form values go to the same schemas and ``workspace.groups`` as ``/api/groups``; their errors
come back next to the field they name, with the status the admin API would have answered.
"""

from __future__ import annotations

from collections.abc import Callable
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
from modelyard.workspace import groups, models, users
from modelyard.workspace.group_schemas import (
    GroupCreate,
    GroupMembersSet,
    GroupModelsSet,
    GroupUpdate,
)

router = APIRouter(include_in_schema=False)

PAGE = "/settings/groups"
SAVED = ("created", "saved", "members", "models", "deleted")


def _status(exc: ModelyardError | ValidationError) -> int:
    return exc.status if isinstance(exc, ModelyardError) else 422


def _context(request: Request, user: WebUser) -> dict[str, Any]:
    t = i18n.texts(user.language)
    saved = request.query_params.get("saved")
    return {"t": t, "saved": t[f"groups_saved_{saved}"] if saved in SAVED else None}


def _done(request: Request, path: str, saved: str) -> Response:
    services_of(request).config.invalidate()  # the next call already sees the change
    return finish(request, RedirectResponse(f"{path}?saved={saved}", status_code=303))


def _list(
    request: Request,
    user: WebUser,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with services_of(request).session() as db:
        found = groups.list_groups(db, user.actor)
    context = _context(request, user) | {
        "groups": found,
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "groups.html", context, status_code=status)


def _detail(
    request: Request,
    user: WebUser,
    group_id: str,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with services_of(request).session() as db:
        group = groups.get_group(db, user.actor, group_id)
        people = users.list_users(db, user.actor)
        found = models.list_models(db, user.actor)
        names = {g.id: g.name for g in groups.list_groups(db, user.actor)}
    rows = [
        {
            "model": model,
            "checked": model.id in group.model_ids,
            "open": model.access.mode == "everyone",
            "groups": [names.get(g, g) for g in model.access.group_ids],
        }
        for model in sorted(found, key=lambda m: (m.kind, m.display_name.lower()))
    ]
    context = _context(request, user) | {
        "group": group,
        "people": people,
        "models": rows,
        "errors": errors or {},
    }
    return render(request, "group.html", context, status_code=status)


@router.get(PAGE)
def groups_page(request: Request, user: AdminUserDep) -> Response:
    return _list(request, user)


@router.post(PAGE)
def create_group(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    values = form_values(form, ("name", "description"))
    try:
        data = GroupCreate.model_validate(values)
        with services_of(request).session() as db:
            created = groups.create_group(db, user.actor, data)
    except (ModelyardError, ValidationError) as exc:
        return _list(request, user, field_errors(exc, user.language), values, status=_status(exc))
    return _done(request, f"{PAGE}/{created.id}", "created")


@router.get(PAGE + "/{group_id}")
def group_page(request: Request, group_id: str, user: AdminUserDep) -> Response:
    return _detail(request, user, group_id)


def _change(
    request: Request, user: WebUser, group_id: str, change: Callable[[Session], Any], saved: str
) -> Response:
    """Run one change of the group's form (validation included): back to the page with the
    fields' errors, or on to it with the notice ``saved``."""
    try:
        with services_of(request).session() as db:
            change(db)
    except (ModelyardError, ValidationError) as exc:
        return _detail(
            request, user, group_id, field_errors(exc, user.language), status=_status(exc)
        )
    return _done(request, f"{PAGE}/{group_id}", saved)


@router.post(PAGE + "/{group_id}")
def update_group(request: Request, group_id: str, user: AdminUserDep, form: FormDep) -> Response:
    values = {
        "name": str(form.get("name") or ""),
        "description": str(form.get("description") or ""),
    }
    return _change(
        request,
        user,
        group_id,
        lambda db: groups.update_group(
            db, user.actor, group_id, GroupUpdate.model_validate(values)
        ),
        "saved",
    )


@router.post(PAGE + "/{group_id}/members")
def set_members(request: Request, group_id: str, user: AdminUserDep, form: FormDep) -> Response:
    data = {"user_ids": form.getlist("user_ids")}
    return _change(
        request,
        user,
        group_id,
        lambda db: groups.set_members(
            db, user.actor, group_id, GroupMembersSet.model_validate(data)
        ),
        "members",
    )


@router.post(PAGE + "/{group_id}/models")
def set_models(request: Request, group_id: str, user: AdminUserDep, form: FormDep) -> Response:
    data = {"model_ids": form.getlist("model_ids")}
    return _change(
        request,
        user,
        group_id,
        lambda db: groups.set_models(db, user.actor, group_id, GroupModelsSet.model_validate(data)),
        "models",
    )


@router.post(PAGE + "/{group_id}/delete")
def delete_group(request: Request, group_id: str, user: AdminUserDep, form: FormDep) -> Response:
    try:
        with services_of(request).session() as db:
            groups.delete_group(db, user.actor, group_id)
    except ModelyardError as exc:
        return _detail(request, user, group_id, field_errors(exc, user.language), status=exc.status)
    return _done(request, PAGE, "deleted")
