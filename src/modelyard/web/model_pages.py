"""Workspace Settings -> Models (the members' home page is in ``member_pages``).

Changes go through ``models.update_model`` like the admin API's; after one, the gateway's cached
configuration is dropped so the very next call sees it (the admin API does the same in
``app._ReloadConfigAfterChanges``, which only watches ``/api``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import ModelyardError
from modelyard.web import notices
from modelyard.web.auth import AdminUserDep, FormDep
from modelyard.web.i18n import localize, texts
from modelyard.web.pages import field_errors, finish, render, services_of
from modelyard.workspace import models
from modelyard.workspace.schemas import ModelOut, ModelUpdate

router = APIRouter(include_in_schema=False)

# Each kind with the key of its label in the string table (``i18n``).
KINDS = (
    ("completion", "kind_completion"),
    ("image", "kind_image"),
    ("embedding", "kind_embedding"),
)
TOGGLES = frozenset({"visible", "maintenance"})


def badges(model: ModelOut) -> list[tuple[str, str]]:
    """(label key, style) pairs summing up a model's state at a glance."""
    out = [("badge_visible", "ok") if model.visible else ("badge_hidden", "muted")]
    if model.maintenance:
        out.append(("maintenance", "warn"))
    if model.premium:
        out.append(("premium", "info"))
    out.append(
        ("badge_preconfigured", "info") if model.preconfigured else ("badge_manual", "muted")
    )
    if model.catalog_status == "changed":
        out.append(("badge_catalog_changed", "warn"))
    elif model.catalog_status == "removed":
        out.append(("badge_catalog_removed", "bad"))
    if any("price" in warning for warning in model.warnings):
        out.append(("badge_no_price", "bad"))
    return out


def _models_page(
    request: Request, user: AdminUserDep, errors: dict[str, dict[str, str]], status: int = 200
) -> Response:
    with services_of(request).session() as db:
        found = models.list_models(db, user.actor)
    by_kind: dict[str, list[ModelOut]] = {kind: [] for kind, _ in KINDS}
    for model in found:
        by_kind[model.kind].append(model)
    context: dict[str, Any] = {
        "kinds": KINDS,
        "by_kind": by_kind,
        "badges": badges,
        "model_errors": errors,
    }
    return render(request, "models.html", context, status_code=status)


@router.get("/settings/models")
def models_page(request: Request, user: AdminUserDep) -> Response:
    return _models_page(request, user, {})


@router.post("/settings/models/{model_id}/toggle")
def toggle(request: Request, model_id: str, user: AdminUserDep, form: FormDep) -> Response:
    field = str(form.get("field") or "")
    if field not in TOGGLES:
        errors = {model_id: {"_": texts(user.language)["models_no_toggle"].format(field=field)}}
        return _models_page(request, user, errors, status=422)
    try:
        data = ModelUpdate.model_validate({field: form.get("value") == "on"})
        with services_of(request).session() as db:
            changed = models.update_model(db, user.actor, model_id, data)
    except (ModelyardError, ValidationError) as exc:
        status = exc.status if isinstance(exc, ModelyardError) else 422
        errors = {model_id: field_errors(exc, user.language)}
        return _models_page(request, user, errors, status=status)
    services_of(request).config.invalidate()
    saved = notices.with_notice("/settings/models", "model_saved") + f"#{changed.kind}"
    return finish(request, RedirectResponse(saved, status_code=303))


@router.get("/settings/models/catalog-updates")
def catalog_updates_page(request: Request, user: AdminUserDep, done: str | None = None) -> Response:
    """What the catalog's refreshes changed for this workspace's models, and refresh-now."""
    return _catalog_updates(request, user, None, done)


@router.post("/settings/models/catalog-refresh")
def catalog_refresh(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    from modelyard.catalog.refresh import refresh
    from modelyard.services import refresh_context

    services = services_of(request)
    try:
        outcome = refresh(
            refresh_context(services.settings, services.engine, services.sessions), actor=user.actor
        )
    except ModelyardError as exc:
        failure = localize(exc.message, user.language)
        return _catalog_updates(request, user, failure, None, status=exc.status)
    services.config.invalidate()
    status = outcome.status if outcome else "unchanged"
    url = f"/settings/models/catalog-updates?done={status}"
    return finish(request, RedirectResponse(url, status_code=303))


def _catalog_updates(
    request: Request, user: AdminUserDep, failure: str | None, done: str | None, status: int = 200
) -> Response:
    from modelyard.workspace.catalog_updates import list_updates

    services = services_of(request)
    with services.session() as db:
        updates = list_updates(db, user.actor, 20)
    context: dict[str, Any] = {
        "updates": updates,
        "configured": bool(services.settings.catalog_url),
        "failure": failure,
        "done": done if done in ("applied", "unchanged", "failed") else None,
    }
    return render(request, "catalog_updates.html", context, status_code=status)


@router.get("/settings/models/{model_id}/prices")
def model_prices_page(request: Request, model_id: str, user: AdminUserDep) -> Response:
    """Every price the model had, newest first (``GET /api/models/{id}/prices``'s rows)."""
    from modelyard.workspace import price_history

    with services_of(request).session() as db:
        prices = price_history.list_prices(db, user.actor, model_id)
        model = models.get_model(db, user.actor, model_id)
    return render(request, "model_prices.html", {"model": model, "prices": prices})
