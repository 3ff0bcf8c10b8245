"""The "Add custom model" wizard's pages: select, configure the model, configure the
deployment, test, review and save, each at a URL of its own (post/redirect/get).

A step's form posts to the step's URL; what was typed is kept in the server-side draft, the
draft is rebuilt with the admin API's services in a transaction that is rolled back, and the
browser is redirected to the next step's page, so reload, Back and Forward never post again.
A refused value shows on the step where its field is, with the services' message. Only Save
commits, everything at once and once per draft.
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
from modelyard.web.wizard import build, forms, picker, publish
from modelyard.web.wizard import draft as drafts
from modelyard.web.wizard.build import DEPLOYMENT, MODEL, AlreadySaved, StepInvalid
from modelyard.web.wizard.draft import Draft, DraftRefused, Stored
from modelyard.web.wizard.views import BASE, KIND_LABELS, Wizard, step_url
from modelyard.workspace import duplicates

router = APIRouter(include_in_schema=False)
router.include_router(publish.router)
STEP = BASE + "/{draft_id}/"


def _wizard(request: Request, user: AdminUserDep) -> Wizard:
    return Wizard(request, services_of(request), user)


def _refused(request: Request, message: str, status: int) -> Response:
    return render(request, "refused.html", {"message": message}, status_code=status)


def _go(form: FormData) -> str:
    return str(form.get("go") or "next")


def _see(request: Request, url: str) -> Response:
    """303 to ``url``: the browser then GETs it, so a reload never posts again."""
    return finish(request, RedirectResponse(url, status_code=303))


def _saved_url(model_id: str) -> str:
    return f"/settings/models#model-{model_id}"


def _load(wizard: Wizard, draft_id: str) -> Stored:
    with wizard.services.session() as db:
        return drafts.load(db, wizard.services.secret_box, wizard.user.actor, draft_id)


def _store(wizard: Wizard, stored: Stored) -> None:
    with wizard.services.session() as db:
        drafts.store(db, wizard.services.secret_box, stored.id, stored.draft)


def _gone(request: Request, wizard: Wizard) -> Response:
    return _refused(request, wizard.t["wz_draft_gone"], 404)


def _invalid(wizard: Wizard, stored: Stored, exc: StepInvalid) -> Response:
    """The step where the refused field is, with the services' messages; 409 for a question
    (a duplicate to confirm), 422 for a refused value."""
    status = 409 if exc.codes & {"duplicate_model", "duplicate_key_name", "failed_test"} else 422
    if "duplicate_model" in exc.codes:  # the question in the admin's words
        exc.errors[duplicates.MODEL_PARAM] = wizard.t["wz_dup_error"]
    if "duplicate_key_name" in exc.codes:
        exc.errors[duplicates.KEY_PARAM] = wizard.t["wz_dup_key_error"]
    if exc.step == MODEL:
        return wizard.configure(stored, exc.errors, status=status)
    return wizard.deployment(stored, exc.errors, status=status)


def _reached(draft: Draft, number: int) -> None:
    """``number`` was passed: the next step is open; steps past it stay open only while the
    test result still holds (it is dropped when what it tested changes)."""
    ceiling = draft.reached if draft.test is not None else min(draft.reached, 4)
    draft.reached = max(ceiling, number + 1)


def _first(stored: Stored, number: int) -> int | None:
    """The step to show instead of ``number`` when the draft has not got that far."""
    return stored.draft.reached if number > stored.draft.reached else None


@router.get(BASE)
def select_page(
    request: Request,
    user: AdminUserDep,
    kind: str = "completion",
    q: str = "",
    provider: str = "",
    all: str = "",
) -> Response:
    wizard = _wizard(request, user)
    if kind not in KIND_LABELS:
        return _refused(request, wizard.t["wz_no_kind"].format(kind=kind), 404)
    return wizard.select(picker.Query(kind, q.strip(), provider, bool(all)))


@router.post(BASE + "/select")
def select(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    kind = str(form.get("kind") or "")
    if kind not in KIND_LABELS:
        return _refused(request, wizard.t["wz_no_kind"].format(kind=kind), 404)
    catalog_id = str(form.get("catalog_id") or "") or None
    draft = Draft.model_validate({"kind": kind, "catalog_id": catalog_id})
    if catalog_id is not None:
        try:  # a duplicate is asked about on the next step, where there is a form for it
            probe = draft.model_copy(update={"confirm_duplicate": True})
            build.rehearse(
                wizard.services, user.actor, probe, through=MODEL, language=user.language
            )
        except StepInvalid as exc:
            query = picker.Query(kind)
            return wizard.select(query, {GENERAL: " ".join(exc.errors.values())}, 422)
    with wizard.services.session() as db:
        draft_id = drafts.start(db, wizard.services.secret_box, user.actor, draft)
    return _see(request, step_url(draft_id, 2))


def _show(wizard: Wizard, stored: Stored, number: int) -> Response:
    """The page of step ``number`` for the draft as it is."""
    if number == 2:
        return wizard.configure(stored)
    if number == 3:
        return wizard.deployment(stored)
    if number == 4:
        return wizard.test(stored)
    if stored.saved_model_id:  # Back after Save: the model as saved
        saved = build.saved(wizard.services, wizard.user.actor, stored.saved_model_id)
        if saved is not None:
            return wizard.review(stored, saved)
    try:
        built = build.rehearse(
            wizard.services,
            wizard.user.actor,
            stored.draft,
            through=DEPLOYMENT,
            language=wizard.language,
        )
    except StepInvalid as exc:  # the workspace changed since (a key deleted, a catalog update)
        return _invalid(wizard, stored, exc)
    return wizard.review(stored, built)


@router.get(STEP + "{step}")
def step_page(request: Request, draft_id: str, step: str, user: AdminUserDep) -> Response:
    wizard = _wizard(request, user)
    number = {"model": 2, "deployment": 3, "test": 4, "review": 5}.get(step)
    try:
        stored = _load(wizard, draft_id)
    except DraftRefused:
        return _gone(request, wizard)
    if number is None:
        return _gone(request, wizard)
    instead = _first(stored, number)
    if instead is not None:
        return _see(request, step_url(draft_id, instead))
    return _show(wizard, stored, number)


def _already_saved(request: Request, stored: Stored) -> Response | None:
    """Any post to a saved draft shows the model it became (Back + Save makes no second)."""
    if stored.saved_model_id:
        return _see(request, _saved_url(stored.saved_model_id))
    return None


@router.post(STEP + "model")
def configure(request: Request, draft_id: str, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    try:
        stored = _load(wizard, draft_id)
    except DraftRefused:
        return _gone(request, wizard)
    if (saved := _already_saved(request, stored)) is not None:
        return saved
    draft = stored.draft
    typed = forms.read_model_form(form, draft.kind, draft.manual)
    confirm = form.get(duplicates.MODEL_PARAM) == "on"
    if typed != draft.model_form or confirm != draft.confirm_duplicate:
        draft.model_form, draft.confirm_duplicate, draft.test = typed, confirm, None
    _store(wizard, stored)
    if _go(form) == "back":
        return _see(request, f"{BASE}?kind={draft.kind}")
    try:
        build.rehearse(wizard.services, user.actor, draft, through=MODEL, language=user.language)
    except StepInvalid as exc:
        return _invalid(wizard, stored, exc)
    _reached(draft, 2)
    _store(wizard, stored)
    return _see(request, step_url(draft_id, 3))


@router.post(STEP + "deployment")
def deployment(request: Request, draft_id: str, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    try:
        stored = _load(wizard, draft_id)
    except DraftRefused:
        return _gone(request, wizard)
    if (saved := _already_saved(request, stored)) is not None:
        return saved
    draft = stored.draft
    typed, chain = forms.read_deployment_form(form)
    if not typed["key.secret"].strip():  # left empty: keep the one entered before, if any
        typed["key.secret"] = draft.deployment_form.get("key.secret", "")
    confirm = form.get(duplicates.KEY_PARAM) == "on"
    if (typed, chain, confirm) != (
        draft.deployment_form,
        draft.fallbacks,
        draft.confirm_duplicate_key,
    ):
        draft.deployment_form, draft.fallbacks, draft.test = typed, chain, None
        draft.confirm_duplicate_key = confirm
    _store(wizard, stored)
    if _go(form) == "back":
        return _see(request, step_url(draft_id, 2))
    try:
        build.rehearse(
            wizard.services, user.actor, draft, through=DEPLOYMENT, language=user.language
        )
    except StepInvalid as exc:
        return _invalid(wizard, stored, exc)
    _reached(draft, 3)
    _store(wizard, stored)
    return _see(request, step_url(draft_id, 4))


@router.post(STEP + "test")
async def test(request: Request, draft_id: str, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    try:
        stored = await anyio.to_thread.run_sync(_load, wizard, draft_id)
    except DraftRefused:
        return _gone(request, wizard)
    if (saved := _already_saved(request, stored)) is not None:
        return saved
    go, draft = _go(form), stored.draft
    if go == "back":
        return _see(request, step_url(draft_id, 3))
    services, actor = wizard.services, user.actor
    if go == "run":  # only a click on "Run the test" spends money; the result page is a GET
        try:
            config = await anyio.to_thread.run_sync(build.unsaved_config, services, actor, draft)
        except StepInvalid as exc:
            return _invalid(wizard, stored, exc)
        payer = LiveTestPayer(services.meter, actor.workspace_id, actor.user_id)
        result: dict[str, Any] = await run_live_test(services.upstream, config, None, payer)
        draft.test = result
        draft.reached = max(min(draft.reached, 4), 4)
        await anyio.to_thread.run_sync(_store, wizard, stored)
        return _see(request, step_url(draft_id, 4))
    if draft.test is None:
        return wizard.test(stored, {GENERAL: wizard.t["wz_untested"]}, status=422)
    _reached(draft, 4)
    await anyio.to_thread.run_sync(_store, wizard, stored)
    return _see(request, step_url(draft_id, 5))


@router.post(STEP + "review")
def save(request: Request, draft_id: str, user: AdminUserDep, form: FormDep) -> Response:
    wizard = _wizard(request, user)
    try:
        stored = _load(wizard, draft_id)
    except DraftRefused:
        return _gone(request, wizard)
    if (saved := _already_saved(request, stored)) is not None:
        return saved
    if _go(form) == "back":
        return _see(request, step_url(draft_id, 4))
    if stored.draft.test is None:
        return wizard.test(stored, {GENERAL: wizard.t["wz_untested"]}, status=422)
    reason = str(form.get("publish_override") or "")
    try:
        built = build.save(wizard.services, user.actor, stored, reason, user.language)
    except AlreadySaved as exc:
        return _see(request, _saved_url(exc.model_id))
    except StepInvalid as exc:
        if exc.step != build.REVIEW:
            return _invalid(wizard, stored, exc)
        try:
            rehearsed = build.rehearse(
                wizard.services,
                user.actor,
                stored.draft,
                through=DEPLOYMENT,
                language=user.language,
            )
        except StepInvalid as again:
            return _invalid(wizard, stored, again)
        errors = {"publish_override": " ".join(exc.errors.values())}
        return wizard.review(stored, rehearsed, errors, status=409, reason=reason)
    wizard.services.config.invalidate()
    return _see(request, _saved_url(built.model.id))
