"""What the outside sends and sees of budgets (spend limits in USD) and their alerts.

Money goes in as a JSON string or number and comes out as an exact decimal string (``"12.5"``,
``"0.000042"``): a budget is compared with sums of exact costs, and a float would round them.
Field-level rules live here; rules that involve other rows or other fields (the scope's id, the
fallback model, the webhook's host) are checked by ``workspace.budgets`` on the merged result,
so a PATCH is held to the same rules as a create.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, StringConstraints

from modelyard.usage.budget_periods import InvalidTimezone, zone
from modelyard.workspace.schemas import Input

Scope = Literal["workspace", "group", "user", "api_key"]
Period = Literal["day", "week", "month", "total"]
OnExceed = Literal["block", "fallback"]
AlertState = Literal["delivered", "pending", "failed", "no_webhook"]

DEFAULT_NOTIFY_AT = (Decimal("0.8"), Decimal("1.0"))
MAX_THRESHOLDS = 10


def money_text(value: Decimal) -> str:
    """An exact decimal as plain text, never in exponent form (``1E-7`` -> ``0.0000001``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _timezone(value: str) -> str:
    try:
        zone(value)
    except InvalidTimezone:
        raise ValueError(
            f"'{value}' is not an IANA time zone (like 'UTC' or 'Europe/Berlin')."
        ) from None
    return value


def _thresholds(values: list[Decimal]) -> list[Decimal]:
    for value in values:
        if not Decimal(0) < value <= Decimal(1):
            raise ValueError(
                f"each fraction must be greater than 0 and at most 1 (got {money_text(value)})."
            )
    # Sorted and without repeats: each fraction is crossed (and notified) once a period.
    return sorted({value.normalize(): value for value in values}.values())


Money = Annotated[Decimal, PlainSerializer(money_text, return_type=str)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]
Timezone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_timezone)
]
Thresholds = Annotated[
    list[Annotated[Decimal, Field(max_digits=6, decimal_places=4, allow_inf_nan=False)]],
    Field(max_length=MAX_THRESHOLDS),
    AfterValidator(_thresholds),
]
WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class BudgetCreate(Input):
    scope: Scope
    scope_id: Id | None = None
    amount_usd: Amount
    period: Period
    timezone: Timezone = "UTC"
    on_exceed: OnExceed = "block"
    fallback_model_id: Id | None = None
    notify_at: Thresholds = Field(default_factory=lambda: list(DEFAULT_NOTIFY_AT))
    webhook_url: WebhookUrl | None = None


class BudgetUpdate(Input):
    """Any writable field; ``null`` clears ``scope_id``, ``fallback_model_id`` and
    ``webhook_url``. Setting ``on_exceed`` to ``block`` drops the fallback model."""

    scope: Scope | None = None
    scope_id: Id | None = None
    amount_usd: Amount | None = None
    period: Period | None = None
    timezone: Timezone | None = None
    on_exceed: OnExceed | None = None
    fallback_model_id: Id | None = None
    notify_at: Thresholds | None = None
    webhook_url: WebhookUrl | None = None


class BudgetView(BaseModel):
    """A budget as anyone it applies to sees it (``GET /api/me/budgets``)."""

    id: str
    scope: Scope
    scope_id: str | None
    scope_name: str | None = Field(
        description="The group's name, the user's email or the API key's name (None for the "
        "workspace)."
    )
    amount_usd: Money
    period: Period
    timezone: str
    on_exceed: OnExceed
    fallback_model_id: str | None
    spent_usd: Money = Field(description="Recorded spend in the current period (exact).")
    remaining_usd: Money = Field(
        description="amount_usd - spent_usd, exact. Negative when the period is overspent (by "
        "at most the reservation of the calls that were in flight together)."
    )
    period_start: datetime
    resets_at: datetime | None = Field(description="None for a 'total' budget: it never resets.")


class BudgetOut(BudgetView):
    """A budget as admins see it."""

    notify_at: list[Money]
    webhook_url: str | None
    created_at: datetime
    updated_at: datetime


class BudgetDeleted(BaseModel):
    id: str


class WebhookSecretOut(BaseModel):
    secret: str = Field(
        description="Keys the x-modelyard-signature HMAC of budget webhooks. Shown only now; "
        "a new one replaces it at once."
    )


class BudgetAlertOut(BaseModel):
    """One crossing of a budget's notify_at fraction in one period, and its delivery."""

    id: str
    budget_id: str
    threshold: Money
    spent_usd: Money
    period_start: datetime
    created_at: datetime
    state: AlertState
    delivered_at: datetime | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
