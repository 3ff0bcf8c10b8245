"""A model's own page: every field editable, deployments, fallbacks, flags, delete, numbers.

Every form posts to the same services as the admin API (``models.update_model``,
``delete_model``...) with the API's request bodies, so the page accepts and refuses exactly
what ``/api/models`` would; a refusal comes back next to the field it names with nothing
changed, a success redirects (POST/redirect/GET). Deployments and fallbacks are in
``model_detail_chains``; rendering in ``model_detail_view``.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import InvalidInput, ModelyardError
from modelyard.web import model_detail_chains, notices
from modelyard.web import model_detail_forms as forms
from modelyard.web.auth import AdminUserDep, FormDep
from modelyard.web.i18n import texts
from modelyard.web.model_detail_view import done, page, refused
from modelyard.web.pages import finish, services_of
from modelyard.workspace import models

router = APIRouter(include_in_schema=False)
router.include_router(model_detail_chains.router)
BASE = "/settings/models/{model_id:model_id}"


@router.get(BASE)
def model_page(request: Request, model_id: str, user: AdminUserDep) -> Response:
    return page(request, user, model_id)


@router.post(BASE + "/settings")
def save_settings(request: Request, model_id: str, user: AdminUserDep, form: FormDep) -> Response:
    """The settings form: names, region, descriptions, limits, prices, capabilities."""
    said = texts(user.language)
    with services_of(request).session() as db:
        model = models.get_model(db, user.actor, model_id)
    typed = forms.posted_values(form, model, user.language)
    body, unreadable = forms.settings_body(form, model, user.language, said)
    if unreadable:
        errors = {"settings": unreadable}
        return page(request, user, model_id, errors, {"settings": typed}, 422)
    try:
        data = forms.changes(body, model)
        with services_of(request).session() as db:
            models.update_model(db, user.actor, model_id, data)
    except (ModelyardError, ValidationError) as exc:
        return refused(request, user, model_id, "settings", exc, typed)
    return done(request, model_id, "md_saved", "settings")


@router.post(BASE + "/flags")
def save_flags(request: Request, model_id: str, user: AdminUserDep, form: FormDep) -> Response:
    """Rollout: visible, available in assistants, premium, maintenance."""
    with services_of(request).session() as db:
        model = models.get_model(db, user.actor, model_id)
    try:
        data = forms.changes(forms.flags_body(form, model), model)
        with services_of(request).session() as db:
            models.update_model(db, user.actor, model_id, data)
    except (ModelyardError, ValidationError) as exc:
        return refused(request, user, model_id, "flags", exc)
    return done(request, model_id, "md_flags_saved", "flags")


@router.post(BASE + "/delete")
def delete(request: Request, model_id: str, user: AdminUserDep, form: FormDep) -> Response:
    """Delete after an explicit tick; refused (with what depends on it) while anything does."""
    try:
        if form.get("confirm") != "yes":
            said = texts(user.language)
            raise InvalidInput(said["md_delete_unconfirmed"], param="confirm")
        with services_of(request).session() as db:
            models.delete_model(db, user.actor, model_id)
    except ModelyardError as exc:
        return refused(request, user, model_id, "delete", exc)
    services_of(request).config.invalidate()
    url = notices.with_notice("/settings/models", "md_deleted")
    return finish(request, RedirectResponse(url, status_code=303))
