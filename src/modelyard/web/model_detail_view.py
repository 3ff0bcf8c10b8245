"""Rendering the model page, for its GET and for every form that comes back with errors.

Errors and typed values are keyed by the form they belong to (``settings``, ``flags``,
``dep-new``, ``dep-<id>``, ``fallbacks``, ``delete``), so a refused value shows next to its
own field in its own form and every other form shows the stored values.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import ModelyardError
from modelyard.web import model_detail_forms as forms
from modelyard.web import model_detail_status, notices
from modelyard.web.auth import WebUser
from modelyard.web.model_pages import badges
from modelyard.web.pages import field_errors, finish, render, services_of
from modelyard.workspace import groups, model_dependents, model_keys, models
from modelyard.workspace.deployments import TPM_KINDS
from modelyard.workspace.model_rules import FIELDS_BY_KIND
from modelyard.workspace.providers import PROVIDERS, key_serves_model

REGIONS = ("EU", "US", "Global")
Errors = dict[str, dict[str, str]]


class ModelIdConvertor(Convertor[str]):
    """Only model ids (``mdl_...``) open a model page, so ``/settings/models/new`` and the
    other pages under ``/settings/models/`` keep their own routes whatever the order."""

    regex = "mdl_[A-Za-z0-9_-]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("model_id", ModelIdConvertor())


def url_of(model_id: str) -> str:
    return f"/settings/models/{model_id}"


def done(request: Request, model_id: str, notice: str, section: str) -> Response:
    """After a change: the gateway's cached configuration is dropped (the next call sees it),
    then POST/redirect/GET to the page with its notice, at the section that changed."""
    services_of(request).config.invalidate()
    url = notices.with_notice(url_of(model_id), notice) + f"#{section}"
    return finish(request, RedirectResponse(url, status_code=303))


def refused(
    request: Request,
    user: WebUser,
    model_id: str,
    form: str,
    exc: ModelyardError | ValidationError,
    values: dict[str, Any] | None = None,
) -> Response:
    """The page again with the domain's messages in ``form`` and nothing changed."""
    status = exc.status if isinstance(exc, ModelyardError) else 422
    errors = {form: field_errors(exc, user.language)}
    return page(request, user, model_id, errors, {form: values or {}}, status)


def page(
    request: Request,
    user: WebUser,
    model_id: str,
    errors: Errors | None = None,
    typed: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    actor = user.actor
    with services.session() as db:
        model = models.get_model(db, actor, model_id)
        every_key = model_keys.list_keys(db, actor)
        keys = [k for k in every_key if key_serves_model(k.provider, model.provider)]
        same_kind = models.list_models(db, actor, kind=model.kind)
        dependents = model_dependents.dependents_of(db, actor, model.id)
        all_groups = groups.list_groups(db, actor)
        day_two = model_detail_status.gather(
            db, actor, model, services.router.health, services.router.limits
        )
    typed = typed or {}
    errors = dict(errors or {})
    shown = {"dep-new"} | {f"dep-{d.id}" for d in model.deployments}
    for form in [f for f in errors if f.startswith("dep-") and f not in shown]:
        errors.setdefault("page", {}).update(errors.pop(form))  # its form is not on the page
    chained = {f.id for f in model.fallbacks}
    context: dict[str, Any] = {
        "model": model,
        "editable": forms.editable(model),
        "kind_fields": FIELDS_BY_KIND[model.kind],
        "badges": badges,
        "values": typed.get("settings") or forms.shown_values(model, user.language),
        "dep_values": typed,
        "form_errors": errors,
        "keys": keys,
        "providers": PROVIDERS,
        "regions": REGIONS,
        "capabilities": forms.CAPABILITIES,
        "flags": [f for f in forms.FLAGS if f in forms.editable(model)],
        "tpm": model.kind in TPM_KINDS,
        "candidates": [m for m in same_kind if m.id != model.id and m.id not in chained],
        "dependents": dependents,
        "groups": all_groups,
        "day_two": day_two,
    }
    return render(request, "model_detail.html", context, status_code=status)
