"""The "Add custom model" wizard's pages: select, configure the model, configure the
deployment, test, review and save.

Each step posts its form with the draft token; the draft is rebuilt with the admin API's
services in a transaction that is rolled back, so a refused value shows on the step where its
field is, with the services' message. Only Save commits, everything at once.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.routing.live_test import LiveTestPayer, run_live_test
from modelyard.web.auth import AdminUserDep, FormDep
from modelyard.web.pages import GENERAL, finish, render, services_of
from modelyard.web.wizard import build, forms
from modelyard.web.wizard.build import DEPLOYMENT, MODEL, StepInvalid
from modelyard.web.wizard.draft import Draft, DraftRefused, open_draft
from modelyard.web.wizard.views import KIND_LABELS, Wizard

router = APIRouter(include_in_schema=False)

BASE = "/settings/models/new"
STALE = (
    "This wizard page is too old or was not made for you, so nothing was changed. "
    "Start again from Workspace settings: Models."
)
UNTESTED = "Run the test before you review the model."


def _wizard(request: Request, user: AdminUserDep) -> Wizard:
    return Wizard(request, services_of(request), user)


def _draft(wizard: Wizard, form: FormData) -> Draft:
    return open_draft(wizard.services.secret_box, form.get("draft"), wizard.user.actor)


def _refused(request: Request, message: str, status: int) -> Response:
    return render(request, "refused.html", {"message": message}, status_code=status)


def _go(form: FormData) -> str:
    return str(form.get("go") or "next")


def _invalid(wizard: Wizard, draft: Draft, exc: StepInvalid) -> Response:
    """The step where the refused field is, with the services' messages, and their status."""
    if exc.step == MODEL:
        return wizard.configure(draft, exc.errors, status=422)
    return wizard.deployment(draft, exc.errors, status=422)


@router.get(BASE)
def select_page(
    request: Request, user: AdminUserDep, kind: str = "completion", q: str = ""
) -> Response:
    if kind not in KIND_LABELS:
        return _refused(request, f"There is no '{kind}' kind of model.", 404)
    return _wizard(request, user).select(kind, q)


@router.post(BASE + "/select")
def select(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    kind = str(form.get("kind") or "")
    if kind not in KIND_LABELS:
        return _refused(request, f"There is no '{kind}' kind of model.", 404)
    catalog_id = str(form.get("catalog_id") or "") or None
    draft = Draft.start(user.actor, kind, catalog_id)  # type: ignore[arg-type]
    if catalog_id is not None:
        try:
            build.rehearse(wizard.services, user.actor, draft, through=MODEL)
        except StepInvalid as exc:
            return wizard.select(kind, "", {GENERAL: " ".join(exc.errors.values())}, 422)
    return wizard.configure(draft)


@router.post(BASE + "/model")
def configure(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    try:
        draft = _draft(wizard, form)
    except DraftRefused:
        return _refused(request, STALE, 400)
    draft.model_form = forms.read_model_form(form, draft.kind, draft.manual)
    draft.test = None
    if _go(form) == "back":
        url = f"{BASE}?kind={draft.kind}"
        return finish(request, RedirectResponse(url, status_code=303))
    try:
        build.rehearse(wizard.services, user.actor, draft, through=MODEL)
    except StepInvalid as exc:
        return _invalid(wizard, draft, exc)
    return wizard.deployment(draft)


@router.post(BASE + "/deployment")
def deployment(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    try:
        draft = _draft(wizard, form)
    except DraftRefused:
        return _refused(request, STALE, 400)
    typed, chain = forms.read_deployment_form(form)
    if not typed["key.secret"].strip():  # left empty: keep the one entered before, if any
        typed["key.secret"] = draft.deployment_form.get("key.secret", "")
    draft.deployment_form, draft.fallbacks, draft.test = typed, chain, None
    if _go(form) == "back":
        return wizard.configure(draft)
    try:
        build.rehearse(wizard.services, user.actor, draft, through=DEPLOYMENT)
    except StepInvalid as exc:
        return _invalid(wizard, draft, exc)
    return wizard.test(draft)


@router.post(BASE + "/test")
async def test(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    try:
        draft = _draft(wizard, form)
    except DraftRefused:
        return _refused(request, STALE, 400)
    go = _go(form)
    if go == "back":
        return wizard.deployment(draft)
    services, actor = wizard.services, user.actor
    try:
        if go == "run":
            config = await anyio.to_thread.run_sync(build.unsaved_config, services, actor, draft)
            payer = LiveTestPayer(services.meter, actor.workspace_id, actor.user_id)
            result: dict[str, Any] = await run_live_test(services.upstream, config, None, payer)
            draft.test = result
            return wizard.test(draft)
        if draft.test is None:
            return wizard.test(draft, {GENERAL: UNTESTED}, status=422)
        built = await anyio.to_thread.run_sync(
            lambda: build.rehearse(services, actor, draft, through=DEPLOYMENT)
        )
    except StepInvalid as exc:
        return _invalid(wizard, draft, exc)
    return wizard.review(draft, built)


@router.post(BASE + "/save")
def save(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    try:
        draft = _draft(wizard, form)
    except DraftRefused:
        return _refused(request, STALE, 400)
    if _go(form) == "back":
        return wizard.test(draft)
    if draft.test is None:
        return wizard.test(draft, {GENERAL: UNTESTED}, status=422)
    try:
        built = build.save(wizard.services, user.actor, draft)
    except StepInvalid as exc:
        return _invalid(wizard, draft, exc)
    wizard.services.config.invalidate()
    url = f"/settings/models#model-{built.model.id}"
    return finish(request, RedirectResponse(url, status_code=303))
