"""The model page's deployments (add, change key, identifier or TPM, remove) and fallback
chain (add, move up or down, remove), through ``workspace.deployments`` and ``fallbacks``.

The fallback form carries the order the admin saw; a button names one move on it, and the
resulting chain goes to ``set_fallbacks`` whole, which refuses cycles, other kinds and repeats.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from modelyard.errors import InvalidInput, ModelyardError
from modelyard.web.auth import AdminUserDep, FormDep
from modelyard.web.i18n import texts
from modelyard.web.model_detail_view import done, refused
from modelyard.web.pages import form_values, services_of
from modelyard.workspace import deployments, fallbacks
from modelyard.workspace.schemas import DeploymentCreate, DeploymentUpdate, FallbacksSet

router = APIRouter(include_in_schema=False)
BASE = "/settings/models/{model_id:model_id}"
DEPLOYMENT_FIELDS = ("key_id", "model_identifier", "tpm_limit")


def _typed(form: FormData) -> dict[str, Any]:
    return {name: str(form.get(name) or "") for name in DEPLOYMENT_FIELDS}


@router.post(BASE + "/deployments")
def add_deployment(request: Request, model_id: str, user: AdminUserDep, form: FormDep) -> Response:
    try:
        data = DeploymentCreate.model_validate(form_values(form, DEPLOYMENT_FIELDS))
        with services_of(request).session() as db:
            deployments.create_deployment(db, user.actor, model_id, data)
    except (ModelyardError, ValidationError) as exc:
        return refused(request, user, model_id, "dep-new", exc, _typed(form))
    return done(request, model_id, "md_deployment_added", "deployments")


@router.post(BASE + "/deployments/{deployment_id}")
def edit_deployment(
    request: Request, model_id: str, deployment_id: str, user: AdminUserDep, form: FormDep
) -> Response:
    """Key, identifier and TPM as shown; an empty TPM removes the limit."""
    body: dict[str, Any] = form_values(form, ("key_id", "model_identifier"))
    if "tpm_limit" in form:
        body["tpm_limit"] = str(form.get("tpm_limit") or "").strip() or None
    try:
        data = DeploymentUpdate.model_validate(body)
        with services_of(request).session() as db:
            _own(db, user, model_id, deployment_id)
            deployments.update_deployment(db, user.actor, deployment_id, data)
    except (ModelyardError, ValidationError) as exc:
        return refused(request, user, model_id, f"dep-{deployment_id}", exc, _typed(form))
    return done(request, model_id, "md_deployment_saved", "deployments")


@router.post(BASE + "/deployments/{deployment_id}/delete")
def remove_deployment(
    request: Request, model_id: str, deployment_id: str, user: AdminUserDep, form: FormDep
) -> Response:
    try:
        with services_of(request).session() as db:
            _own(db, user, model_id, deployment_id)
            deployments.delete_deployment(db, user.actor, deployment_id)
    except ModelyardError as exc:
        return refused(request, user, model_id, f"dep-{deployment_id}", exc)
    return done(request, model_id, "md_deployment_removed", "deployments")


def _own(db: Any, user: AdminUserDep, model_id: str, deployment_id: str) -> None:
    """The deployment must be this model's: a form of one model never changes another's."""
    mine = {d.id for d in deployments.list_deployments(db, user.actor, model_id)}
    if deployment_id not in mine:
        raise InvalidInput(
            texts(user.language)["md_deployment_gone"], param="deployment_id", code="not_found"
        )


def _moved(form: FormData, language: str) -> list[str]:
    """The chain the admin saw, with the one move their button named applied."""
    order = [str(v) for v in form.getlist("order") if str(v)]
    verb, _, target = str(form.get("action") or "").partition(":")
    if verb == "add":
        target = str(form.get("add") or "")
        if not target:
            raise InvalidInput(texts(language)["md_fallback_pick"], param="add")
        return [*order, target]
    if target not in order or verb not in ("up", "down", "remove"):
        raise InvalidInput(texts(language)["md_fallback_stale"], param="fallbacks")
    index = order.index(target)
    if verb == "remove":
        return order[:index] + order[index + 1 :]
    other = index - 1 if verb == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return order


@router.post(BASE + "/fallbacks")
def save_fallbacks(request: Request, model_id: str, user: AdminUserDep, form: FormDep) -> Response:
    try:
        data = FallbacksSet.model_validate({"fallbacks": _moved(form, user.language)})
        with services_of(request).session() as db:
            fallbacks.set_fallbacks(db, user.actor, model_id, data)
    except (ModelyardError, ValidationError) as exc:
        return refused(request, user, model_id, "fallbacks", exc)
    return done(request, model_id, "md_fallbacks_saved", "fallbacks")
