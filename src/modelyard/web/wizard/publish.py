"""Publishing a model whose last live test failed: the test's findings in words, and the
explicit override (a reason, audited) that ``workspace.publishing`` asks for.

The models page's Show button and the model page obey the rule through ``update_model``; they
can link here (``/settings/models/<id>/publish``) for the one way past it.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import ModelyardError
from modelyard.web.auth import AdminUserDep, FormDep
from modelyard.web.i18n import localize
from modelyard.web.pages import finish, render, services_of
from modelyard.web.wizard import explain
from modelyard.workspace import models, publishing
from modelyard.workspace.schemas import ModelUpdate

router = APIRouter(include_in_schema=False)
PATH = "/settings/models/{model_id}/publish"


def _page(
    request: Request, user: AdminUserDep, model_id: str, error: str = "", status: int = 200
) -> Response:
    with services_of(request).session() as db:
        try:
            model = models.get_model(db, user.actor, model_id)
        except ModelyardError as exc:
            message = localize(exc.message, user.language)
            return render(request, "refused.html", {"message": message}, status_code=exc.status)
        test = publishing.last_test(db, user.actor, model_id)
        result, tested_at = (test.result, test.tested_at) if test else (None, None)
        failed = bool(test and not test.passed)
    explained = (
        explain.explain(result, model.embedding_dimensions, user.language) if result else None
    )
    context = {
        "model": model,
        "result": result,
        "explained": explained,
        "tested_at": tested_at,
        "failed": failed,
        "error": error,
        "limit": publishing.REASON_LIMIT,
    }
    return render(request, "wizard/publish.html", context, status_code=status)


@router.get(PATH)
def publish_page(request: Request, model_id: str, user: AdminUserDep) -> Response:
    return _page(request, user, model_id)


@router.post(PATH)
def publish(request: Request, model_id: str, user: AdminUserDep, form: FormDep) -> Response:
    reason = str(form.get("publish_override") or "")
    services = services_of(request)
    try:
        with services.session() as db:
            changed = models.update_model(
                db, user.actor, model_id, ModelUpdate(visible=True), publish_override=reason
            )
    except ModelyardError as exc:
        return _page(request, user, model_id, localize(exc.message, user.language), exc.status)
    services.config.invalidate()
    url = f"/settings/models#model-{changed.id}"
    return finish(request, RedirectResponse(url, status_code=303))
