"""Workspace Settings -> Model keys: list, add, rotate the secret, delete.

Form values go straight into ``ModelKeyCreate`` / ``ModelKeyUpdate`` and ``model_keys``; their
errors come back next to the field they name. A failed form is shown again with what was typed
(never the secret) and the status the admin API would have answered.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import ModelyardError
from modelyard.web.auth import AdminUserDep, FormDep
from modelyard.web.i18n import localize
from modelyard.web.pages import GENERAL, field_errors, finish, form_values, render, services_of
from modelyard.workspace import model_keys
from modelyard.workspace.providers import PROVIDERS
from modelyard.workspace.schemas import ModelKeyCreate, ModelKeyUpdate

router = APIRouter(include_in_schema=False)

PAGE = "/settings/model-keys"
ADD_FIELDS = ("name", "provider", "secret", "base_url", "api_version", "organization")


def _status(exc: ModelyardError | ValidationError) -> int:
    return exc.status if isinstance(exc, ModelyardError) else 422


def _page(
    request: Request,
    user: AdminUserDep,
    *,
    add_errors: dict[str, str] | None = None,
    add_values: dict[str, str] | None = None,
    key_errors: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    with services_of(request).session() as db:
        keys = model_keys.list_keys(db, user.actor)
    context: dict[str, Any] = {
        "keys": keys,
        "providers": PROVIDERS,
        "add_errors": add_errors or {},
        "add_values": add_values or {},
        "key_errors": key_errors or {},
        "saved": request.query_params.get("saved"),
    }
    return render(request, "model_keys.html", context, status_code=status)


def _done(request: Request, message: str) -> Response:
    return finish(request, RedirectResponse(f"{PAGE}?saved={message}", status_code=303))


@router.get(PAGE)
def keys_page(request: Request, user: AdminUserDep) -> Response:
    return _page(request, user)


@router.post(PAGE)
def add_key(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    values = form_values(form, ADD_FIELDS)
    services = services_of(request)
    try:
        data = ModelKeyCreate.model_validate(values)
        with services.session() as db:
            model_keys.create_key(
                db, user.actor, services.secret_box, services.settings.allowed_upstream_hosts, data
            )
    except (ModelyardError, ValidationError) as exc:
        shown = {k: v for k, v in values.items() if k != "secret"}
        return _page(
            request,
            user,
            add_errors=field_errors(exc, user.language),
            add_values=shown,
            status=_status(exc),
        )
    services.config.invalidate()
    return _done(request, "added")


@router.post(PAGE + "/{key_id}/rotate")
def rotate_key(request: Request, key_id: str, user: AdminUserDep, form: FormDep) -> Response:
    services = services_of(request)
    try:
        data = ModelKeyUpdate.model_validate(form_values(form, ("secret",)))
        if data.secret is None:
            data = ModelKeyUpdate.model_validate({"secret": ""})  # the schema's own message
        with services.session() as db:
            model_keys.update_key(
                db,
                user.actor,
                services.secret_box,
                services.settings.allowed_upstream_hosts,
                key_id,
                data,
            )
    except (ModelyardError, ValidationError) as exc:
        errors = {key_id: field_errors(exc, user.language)}
        return _page(request, user, key_errors=errors, status=_status(exc))
    services.config.invalidate()
    return _done(request, "rotated")


@router.post(PAGE + "/{key_id}/delete")
def delete_key(request: Request, key_id: str, user: AdminUserDep, form: FormDep) -> Response:
    services = services_of(request)
    try:
        with services.session() as db:
            model_keys.delete_key(db, user.actor, key_id)
    except ModelyardError as exc:
        errors = {key_id: {GENERAL: localize(exc.message, user.language)}}
        return _page(request, user, key_errors=errors, status=exc.status)
    services.config.invalidate()
    return _done(request, "deleted")
