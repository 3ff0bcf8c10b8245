"""Settings -> Budgets (admins: list, create, edit, delete, recent alerts) and My spend (anyone:
the budgets that apply to them and their own spend this month), in English and German.

Form values go to the same schemas and ``workspace.budgets`` functions as ``/api/budgets``, so
the pages accept and refuse exactly what the API would; errors come back at the field they
name and nothing is saved. The form writes thresholds as percentages; they are handed on as the
fractions the API takes. The admins' banner (``budget_warnings``) is a template global so that
every admin page can show it at the cost of one query.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from modelyard.errors import InvalidInput, ModelyardError
from modelyard.web import budget_format, i18n
from modelyard.web.auth import AdminUserDep, FormDep, UserDep, WebUser
from modelyard.web.locale_format import read_decimals
from modelyard.web.member_pages import member_context
from modelyard.web.pages import field_errors, finish, render, services_of, templates
from modelyard.workspace import api_keys, budget_webhooks, budgets, groups, models, users
from modelyard.workspace.budget_overview import (
    BudgetWarnings,
    budget_warnings,
    fallback_names,
    my_month_spend,
)
from modelyard.workspace.budget_schemas import (
    BudgetCreate,
    BudgetOut,
    BudgetUpdate,
    BudgetView,
    money_text,
)

router = APIRouter(include_in_schema=False)

PAGE = "/settings/budgets"
SPEND_PAGE = "/me/spend"
SAVED = ("created", "saved", "deleted")
ALERTS_SHOWN = 20
FIELDS = (
    "scope",
    "scope_id",
    "amount_usd",
    "period",
    "timezone",
    "on_exceed",
    "fallback_model_id",
    "notify_at",
    "webhook_url",
)
# The fields typed as decimals: read with the one rule of ``locale_format``.
DECIMAL_FIELDS = ("amount_usd",)
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/London",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Australia/Sydney",
)


class _BadPercent(ValueError):
    pass


def _status(exc: ModelyardError | ValidationError) -> int:
    return exc.status if isinstance(exc, ModelyardError) else 422


def _warnings(request: Request) -> BudgetWarnings | None:
    """The banner's facts for a signed-in admin on a settings page, else None (no query)."""
    user: WebUser | None = getattr(request.state, "web_user", None)
    if user is None or not user.actor.is_admin or not request.url.path.startswith("/settings"):
        return None
    with services_of(request).session() as db:
        found = budget_warnings(db, user.actor)
    return found or None


templates.env.globals["budget_warnings"] = _warnings


def _money(language: str) -> dict[str, Any]:
    """The formatters the templates use, bound to the reader's language."""
    return {
        "usd": lambda v: budget_format.usd(v, language),
        "pct": lambda v: budget_format.percent(v, language),
        "used": budget_format.used_percent,
        "when": lambda v, tz: budget_format.instant(v, tz, language),
    }


def _context(request: Request, user: WebUser) -> dict[str, Any]:
    t = i18n.texts(user.language)
    saved = request.query_params.get("saved")
    return {
        "t": t,
        "saved": t[f"budgets_saved_{saved}"] if saved in SAVED else None,
        "zones": ZONES,
        **_money(user.language),
    }


def _choices(request: Request, user: WebUser) -> dict[str, Any]:
    """What the form offers: scope targets (groups, people, live keys) and completion models."""
    with services_of(request).session() as db:
        found_groups = groups.list_groups(db, user.actor)
        people = users.list_users(db, user.actor)
        keys = [
            (person.email, key)
            for person in people
            for key in api_keys.list_keys(db, user.actor, person.id)
            if key.revoked_at is None
        ]
        completion = models.list_models(db, user.actor, kind="completion")
    return {
        "groups": found_groups,
        "people": people,
        "keys": keys,
        "completion_models": sorted(completion, key=lambda m: m.display_name.lower()),
    }


def _list(
    request: Request,
    user: WebUser,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with services_of(request).session() as db:
        found = budgets.list_budgets(db, user.actor)
        alerts = budget_webhooks.list_alerts(db, user.actor, limit=ALERTS_SHOWN)
    by_id = {b.id: b for b in found}
    choices = _choices(request, user)
    context = (
        _context(request, user)
        | choices
        | {
            "budgets": found,
            "alerts": [(alert, by_id.get(alert.budget_id)) for alert in alerts],
            "model_names": {m.id: m.display_name for m in choices["completion_models"]},
            "errors": errors or {},
            "values": values or {"timezone": "UTC", "notify_at": "80, 100", "period": "month"},
        }
    )
    return render(request, "budgets.html", context, status_code=status)


def _form_of(budget: BudgetOut) -> dict[str, str]:
    """A stored budget as the edit form's values."""
    return {
        "scope": budget.scope,
        "scope_id": budget.scope_id or "",
        "amount_usd": money_text(budget.amount_usd),
        "period": budget.period,
        "timezone": budget.timezone,
        "on_exceed": budget.on_exceed,
        "fallback_model_id": budget.fallback_model_id or "",
        "notify_at": budget_format.percentages(budget.notify_at),
        "webhook_url": budget.webhook_url or "",
    }


def _detail(
    request: Request,
    user: WebUser,
    budget_id: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with services_of(request).session() as db:
        budget = budgets.get_budget(db, user.actor, budget_id)
    context = (
        _context(request, user)
        | _choices(request, user)
        | {
            "budget": budget,
            "errors": errors or {},
            "values": values or _form_of(budget),
        }
    )
    return render(request, "budget.html", context, status_code=status)


def _typed(form: FormData) -> dict[str, str]:
    """The form as typed (shown again on an error)."""
    return {name: str(form.get(name) or "").strip() for name in FIELDS}


def _fractions(text: str) -> list[Decimal]:
    """ "80, 100" -> [0.8, 1]; the schema checks the range."""
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip().rstrip("%").strip().replace(" ", "")
        if not part:
            continue
        try:
            value = Decimal(part.replace(",", "."))
        except InvalidOperation:
            raise _BadPercent(part) from None
        if not value.is_finite():
            raise _BadPercent(part)
        out.append(value / 100)
    return out


def _body(values: dict[str, str]) -> dict[str, Any]:
    """The API's body of the whole form: empty fields are null, a workspace budget has no
    target and a blocking one no fallback model (the form keeps both selects around)."""
    body: dict[str, Any] = {name: values[name] or None for name in FIELDS if name != "notify_at"}
    body["notify_at"] = _fractions(values["notify_at"])
    if body["scope"] == "workspace":
        body["scope_id"] = None
    if body["on_exceed"] == "block":
        body["fallback_model_id"] = None
    return body


def _amount_read(user: WebUser, values: dict[str, str]) -> dict[str, str]:
    """The amount as the domain reads decimals (German ``1.234,5`` -> ``1234.5``); an amount
    that cannot be read, or only two ways, is refused here with what to write instead."""
    said = i18n.texts(user.language)
    read, unreadable = read_decimals(values, DECIMAL_FIELDS, user.language, said)
    if unreadable:
        raise InvalidInput(next(iter(unreadable.values())), param=next(iter(unreadable)))
    return read


def _bad_percent(user: WebUser, exc: _BadPercent) -> dict[str, str]:
    return {"notify_at": i18n.texts(user.language)["budgets_bad_percent"].format(value=exc)}


def _done(request: Request, path: str, saved: str) -> Response:
    services_of(request).config.invalidate()  # the next call already counts against it
    return finish(request, RedirectResponse(f"{path}?saved={saved}", status_code=303))


@router.get(PAGE)
def budgets_page(request: Request, user: AdminUserDep) -> Response:
    return _list(request, user)


@router.post(PAGE)
def create_budget(request: Request, user: AdminUserDep, form: FormDep) -> Response:
    values = _typed(form)
    services = services_of(request)
    try:
        body = {k: v for k, v in _body(_amount_read(user, values)).items() if v is not None}
        data = BudgetCreate.model_validate(body)
        with services.session() as db:
            budgets.create_budget(db, user.actor, services.settings.allowed_upstream_hosts, data)
    except _BadPercent as exc:
        return _list(request, user, _bad_percent(user, exc), values, status=422)
    except (ModelyardError, ValidationError) as exc:
        errors = field_errors(exc, user.language)
        return _list(request, user, errors, values, status=_status(exc))
    return _done(request, PAGE, "created")


@router.get(PAGE + "/{budget_id}")
def budget_page(request: Request, budget_id: str, user: AdminUserDep) -> Response:
    return _detail(request, user, budget_id)


@router.post(PAGE + "/{budget_id}")
def update_budget(request: Request, budget_id: str, user: AdminUserDep, form: FormDep) -> Response:
    values = _typed(form)
    services = services_of(request)
    try:
        data = BudgetUpdate.model_validate(_body(_amount_read(user, values)))
        with services.session() as db:
            budgets.update_budget(
                db, user.actor, services.settings.allowed_upstream_hosts, budget_id, data
            )
    except _BadPercent as exc:
        return _detail(request, user, budget_id, _bad_percent(user, exc), values, status=422)
    except (ModelyardError, ValidationError) as exc:
        errors = field_errors(exc, user.language)
        return _detail(request, user, budget_id, errors, values, status=_status(exc))
    return _done(request, f"{PAGE}/{budget_id}", "saved")


@router.post(PAGE + "/{budget_id}/delete")
def delete_budget(request: Request, budget_id: str, user: AdminUserDep, form: FormDep) -> Response:
    if form.get("confirm") != "yes":
        errors = {"confirm": i18n.texts(user.language)["budgets_confirm_needed"]}
        return _detail(request, user, budget_id, errors, status=422)
    try:
        with services_of(request).session() as db:
            budgets.delete_budget(db, user.actor, budget_id)
    except ModelyardError as exc:
        errors = field_errors(exc, user.language)
        return _detail(request, user, budget_id, errors, status=exc.status)
    return _done(request, PAGE, "deleted")


@router.get(SPEND_PAGE)
def spend_page(request: Request, user: UserDep) -> Response:
    with services_of(request).session() as db:
        mine: list[BudgetView] = budgets.my_budgets(db, user.actor)
        month = my_month_spend(db, user.actor)
        names = fallback_names(db, user.actor, [b.fallback_model_id for b in mine])
    context = (
        member_context(request, user)
        | _money(user.language)
        | {"budgets": mine, "month_spend": month, "model_names": names}
    )
    return render(request, "member_spend.html", context)
