"""What every signed-in user has: their models (in their language, with region), their personal
default model, their language, and their own API keys.

Everything goes through the same services as the admin API's ``/api/me`` routes
(``users.set_default_model``, ``users.update_me``, ``api_keys``), so the page offers and refuses
exactly what the API would. A change that the gateway caches (the default model, a revoked key)
drops its configuration so the very next call sees it. A new key's form offers only the models
``api_keys.scope_choices`` gives, and the same ``check_scopes`` as the API refuses the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import ModelyardError
from modelyard.routing.access import member_may_use
from modelyard.web import i18n
from modelyard.web.auth import FormDep, UserDep, WebUser
from modelyard.web.pages import GENERAL, field_errors, finish, form_values, render, services_of
from modelyard.workspace import api_keys, users
from modelyard.workspace.key_schemas import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyOut,
    KeyModel,
    day_or_instant,
)
from modelyard.workspace.schemas import DefaultModelSet, UserUpdate

router = APIRouter(include_in_schema=False)

KEYS_PAGE = "/me/api-keys"
# Where the language switch may send the browser back to (never an address from the form).
MEMBER_PAGES = frozenset({"/", KEYS_PAGE, "/playground", "/me/spend"})
# ?saved=<what> on a redirect -> the message shown (a key of the string table).
SAVED = {"language": "language_saved", "default": "default_saved", "revoked": "key_revoked"}


def _status(exc: ModelyardError | ValidationError) -> int:
    return exc.status if isinstance(exc, ModelyardError) else 422


def member_context(request: Request, user: WebUser) -> dict[str, Any]:
    """What every member page shows: its labels, the language switch and a saved message."""
    t = i18n.texts(user.language)
    saved = SAVED.get(request.query_params.get("saved") or "")
    return {
        "t": t,
        "languages": i18n.LANGUAGES,
        "here": request.url.path,
        "saved": t[saved] if saved else None,
    }


def _done(request: Request, page: str, saved: str) -> Response:
    return finish(request, RedirectResponse(f"{page}?saved={saved}", status_code=303))


async def _home(
    request: Request, user: WebUser, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    services = services_of(request)
    config = await services.config.workspace(user.actor.workspace_id)
    with services.session() as db:
        default = users.get_default_model(db, user.actor)
        candidates = users.default_candidates(db, user.actor)
    context = member_context(request, user)
    t = context["t"]
    groups = config.user_groups.get(user.actor.user_id, frozenset())
    usable = sorted(
        (
            m
            for m in config.models_by_slug.values()
            if m.visible and member_may_use(m, groups, is_admin=user.actor.is_admin)
        ),
        key=lambda m: (m.kind, m.display_name.lower()),
    )
    rows = [
        {
            "model": model,
            "kind": t[f"kind_{model.kind}"],
            "description": i18n.description(model, user.language),
            "is_default": model.id == default.model_id,
        }
        for model in usable
    ]
    offered = [row for row, refusal in candidates if refusal is None]
    refused = [
        {"model": row, "reason": t.get(f"reason_{refusal.code}", refusal.message)}
        for row, refusal in candidates
        if refusal is not None
    ]
    current = config.models_by_id.get(default.model_id) if default.model_id else None
    context |= {
        "rows": rows,
        "default": default,
        "current": current,
        "offered": offered,
        "refused": refused,
        "any_premium": any(item["model"].premium for item in refused),
        "errors": errors or {},
    }
    return render(request, "home.html", context, status_code=status)


@router.get("/")
async def home(request: Request, user: UserDep) -> Response:
    """The models this user may call: the gateway's own snapshot, so the page and ``/v1/models``
    can never disagree about what is visible."""
    return await _home(request, user)


@router.post("/me/default-model")
async def set_default(request: Request, user: UserDep, form: FormDep) -> Response:
    services = services_of(request)
    try:
        data = DefaultModelSet.model_validate({"model_id": form.get("model_id") or None})
        with services.session() as db:
            users.set_default_model(db, user.actor, data)
    except (ModelyardError, ValidationError) as exc:
        return await _home(request, user, field_errors(exc), status=_status(exc))
    services.config.invalidate()  # the gateway's snapshot holds everyone's default
    return _done(request, "/", "default")


@router.post("/me/language")
async def set_language(request: Request, user: UserDep, form: FormDep) -> Response:
    back = str(form.get("next") or "/")
    back = back if back in MEMBER_PAGES else "/"
    try:
        data = UserUpdate.model_validate(form_values(form, ("language",)))
        if "language" not in data.model_fields_set:
            data = UserUpdate.model_validate({"language": ""})  # the schema's own message
        with services_of(request).session() as db:
            users.update_me(db, user.actor, data)
    except (ModelyardError, ValidationError) as exc:
        return await _home(request, user, field_errors(exc), status=_status(exc))
    return _done(request, back, "language")


def _key_rows(keys: list[ApiKeyOut], names: dict[str, KeyModel]) -> list[dict[str, Any]]:
    """Each key with what the table shows: its state and its models (slug and name)."""
    now = datetime.now(UTC)
    rows = []
    for key in sorted(keys, key=lambda k: (k.revoked_at is not None, k.created_at)):
        state = (
            "revoked"
            if key.revoked_at
            else "expired"
            if key.expires_at is not None and key.expires_at <= now
            else "active"
        )
        models = None
        if key.model_ids is not None:
            models = [(model_id, names.get(model_id)) for model_id in key.model_ids]
        rows.append({"key": key, "state": state, "models": models})
    return rows


def _keys_page(
    request: Request,
    user: WebUser,
    *,
    issued: ApiKeyIssued | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    with services_of(request).session() as db:
        keys = api_keys.list_keys(db, user.actor, user.actor.user_id)
        choices = api_keys.scope_choices(db, user.actor, user.actor.user_id)
    context = member_context(request, user) | {
        "keys": _key_rows(keys, {row.id: row for row in choices}),
        "choices": choices,
        "issued": issued,
        "errors": errors or {},
        "values": values or {},
        "today": datetime.now(UTC).date().isoformat(),
        "base_url": str(request.base_url).rstrip("/") + "/v1",
    }
    response = render(request, "member_keys.html", context, status_code=status)
    if issued is not None:  # the only page that ever holds the key: keep it out of caches
        response.headers["cache-control"] = "no-store"
    return response


def _key_form(form: FormData) -> dict[str, Any]:
    """The create form's values as typed (shown again on an error); no model ticked is no
    ``model_ids``, i.e. every model."""
    values: dict[str, Any] = form_values(form, ("name", "expires_at"))
    chosen = [v for v in form.getlist("model_ids") if isinstance(v, str) and v.strip()]
    if chosen:
        values["model_ids"] = chosen
    return values


@router.get(KEYS_PAGE)
def keys_page(request: Request, user: UserDep) -> Response:
    return _keys_page(request, user)


@router.post(KEYS_PAGE)
def create_key(request: Request, user: UserDep, form: FormDep) -> Response:
    values = _key_form(form)
    body = dict(values)
    if "expires_at" in body:  # a picked day: the key works through it, until 23:59:59 UTC
        body["expires_at"] = day_or_instant(body["expires_at"])
    try:
        data = ApiKeyCreate.model_validate(body)
        with services_of(request).session() as db:
            issued = api_keys.create_key(db, user.actor, user.actor.user_id, data)
    except (ModelyardError, ValidationError) as exc:
        return _keys_page(
            request, user, errors=field_errors(exc), values=values, status=_status(exc)
        )
    return _keys_page(request, user, issued=issued, status=201)


@router.post(KEYS_PAGE + "/{key_id}/revoke")
def revoke_key(request: Request, key_id: str, user: UserDep, form: FormDep) -> Response:
    services = services_of(request)
    try:
        with services.session() as db:
            api_keys.revoke_key(db, user.actor, key_id)
    except ModelyardError as exc:
        return _keys_page(request, user, errors={GENERAL: exc.message}, status=exc.status)
    services.config.invalidate()  # the gateway caches who a key belongs to
    return _done(request, KEYS_PAGE, "revoked")
