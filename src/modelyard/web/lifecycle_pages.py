"""Model lifecycle: deprecated or removed catalog entries, what depends on them, the successor.

Settings -> Models -> Catalog updates -> *Deprecated and removed models* lists them; each
model's *Review the move* page shows every change moving its dependents to a target would make
(``model_migration.plan_migration``, as ``GET /api/models/{id}/migration``), and its confirm
button posts the reviewed ``plan_id`` to the same ``migrate`` the API calls, so the page refuses
exactly what the API would, with nothing changed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import ModelyardError
from modelyard.web.auth import AdminUserDep, FormDep
from modelyard.web.i18n import localize
from modelyard.web.pages import finish, render, services_of
from modelyard.workspace import model_lifecycle, model_migration

router = APIRouter(include_in_schema=False)

DEPENDENT_KINDS = (
    "assistants",
    "default_of_users",
    "fallback_of",
    "budgets",
    "knowledge_collections",
)


@router.get("/settings/models/lifecycle")
def lifecycle_page(request: Request, user: AdminUserDep, moved: str | None = None) -> Response:
    with services_of(request).session() as db:
        retired = model_lifecycle.retired_models(db, user.actor)
        targets = {
            r.model.id: model_migration.move_targets(db, user.actor, r.model.id) for r in retired
        }
    moved_pair = moved.split(",", 1) if moved else None
    context: dict[str, Any] = {
        "retired": retired,
        "targets": targets,
        "dependent_kinds": DEPENDENT_KINDS,
        "moved": moved_pair if moved_pair and len(moved_pair) == 2 else None,
    }
    return render(request, "lifecycle.html", context)


@router.get("/settings/models/lifecycle/{model_id}")
def review_page(
    request: Request, model_id: str, user: AdminUserDep, target_model_id: str | None = None
) -> Response:
    return _review(request, user, model_id, target_model_id or None, None)


@router.post("/settings/models/lifecycle/{model_id}/migrate")
def confirm_move(request: Request, model_id: str, user: AdminUserDep, form: FormDep) -> Response:
    target = str(form.get("target_model_id") or "") or None
    plan_id = str(form.get("plan_id") or "") or None
    services = services_of(request)
    try:
        with services.session() as db:
            done = model_migration.migrate(db, user.actor, model_id, target, plan_id)
    except ModelyardError as exc:
        failure = localize(exc.message, user.language)
        return _review(request, user, model_id, target, failure, status=exc.status)
    services.config.invalidate()
    url = f"/settings/models/lifecycle?moved={done.model.slug},{done.target.slug}"
    return finish(request, RedirectResponse(url, status_code=303))


def _review(
    request: Request,
    user: AdminUserDep,
    model_id: str,
    target: str | None,
    failure: str | None,
    status: int = 200,
) -> Response:
    """The move's review; ``failure`` (a refused confirmation) is shown above it. A target
    the plan refuses (say, of another kind) is shown as the failure, without a plan."""
    plan = None
    with services_of(request).session() as db:
        retired = model_lifecycle.retired_model(db, user.actor, model_id)
        targets = model_migration.move_targets(db, user.actor, model_id)
        try:
            plan = model_migration.plan_migration(db, user.actor, model_id, target)
        except ModelyardError as exc:
            if failure is None:
                failure, status = localize(exc.message, user.language), exc.status
    context: dict[str, Any] = {
        "entry": retired,
        "plan": plan,
        "targets": targets,
        "chosen": plan.target.id if plan else target,
        "failure": failure,
    }
    return render(request, "lifecycle_review.html", context, status_code=status)
