"""Admission of one call against its budgets: reserve, refuse, or send it to a fallback model.

The gateway calls :meth:`BudgetGuard.admit` before routing, with the call's estimated cost
(the same estimate TPM reserves, priced with the model's prices). Every applying budget is
checked at once by the ledger; exhausted with ``block`` (or with ``fallback`` and no usable
fallback model, or on the fallback model too) the call is a 429 ``budget_exceeded`` naming the
budget's scope and when it resets. Admins are held to budgets like everyone.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from modelyard.errors import RateLimited
from modelyard.routing.budgets.ledger import BudgetLedger, Hold, Refusal
from modelyard.routing.budgets.periods import Period
from modelyard.routing.snapshot import ModelConfig, WorkspaceConfig


class BudgetExceeded(RateLimited):
    """429 ``budget_exceeded``; ``retry_after`` is the seconds until the budget resets."""

    type = "budget_exceeded"


def scope_words(period: Period) -> str:
    budget = period.budget
    if budget.scope == "workspace":
        return "the workspace's budget"
    if budget.scope == "group":
        return f"your group '{budget.scope_name}' budget"
    if budget.scope == "api_key":
        return (
            f"the budget of API key '{budget.scope_name}'"
            if budget.scope_name
            else ("this API key's budget")
        )
    return "your budget"


def exceeded(refusal: Refusal, now: float) -> BudgetExceeded:
    period = refusal.period
    budget = period.budget
    what = scope_words(period)
    if refusal.unknown:
        reason = f"The spend on {what} cannot be checked right now"
    else:
        per = "in total" if budget.period == "total" else f"per {budget.period}"
        reason = f"{what[0].upper()}{what[1:]} of ${budget.amount_usd} {per} is used up"
    retry: float | None
    if period.resets_at is None:
        # No wait helps: no Retry-After (a client that honours it would retry for ever).
        when, retry = "it never resets; an admin can raise it", None
    else:
        when = f"it resets at {period.resets_at.isoformat().replace('+00:00', 'Z')}"
        retry = max(1.0, math.ceil(period.resets_ts - now))
    if refusal.unknown:
        retry = 5.0  # the spend could not be read: try again soon, not at the reset
    return BudgetExceeded(
        f"{reason}; {when}.", retry_after=retry, code="budget_exceeded", detail=None
    )


class BudgetGuard:
    def __init__(self, ledger: BudgetLedger) -> None:
        self.ledger = ledger

    async def admit(
        self,
        config: WorkspaceConfig,
        user_id: str,
        api_key_id: str | None,
        model: ModelConfig,
        estimate: Callable[[ModelConfig], int],
    ) -> tuple[ModelConfig, Hold | None, str | None]:
        """The model to route to, the hold to settle, and the budget that sent the call to
        its fallback (None when none did); raises :class:`BudgetExceeded`."""
        budgets = config.applying_budgets(user_id, api_key_id)
        if not budgets:
            return model, None, None
        outcome = await self.ledger.reserve(config.id, budgets, estimate(model))
        if isinstance(outcome, Hold):
            return model, outcome, None
        budget = outcome.period.budget
        fallback = (
            config.models_by_id.get(budget.fallback_model_id)
            if budget.on_exceed == "fallback" and budget.fallback_model_id
            else None
        )
        if outcome.unknown or fallback is None or fallback.kind != model.kind:
            raise exceeded(outcome, self.ledger.periods.clock())
        # Past its fallback budgets the call goes on, on the fallback model: still counted
        # there, refused only by a blocking budget without room for it.
        passed = frozenset(b.id for b in budgets if b.on_exceed == "fallback")
        again = await self.ledger.reserve(config.id, budgets, estimate(fallback), passed)
        if isinstance(again, Refusal):
            raise exceeded(again, self.ledger.periods.clock())
        return fallback, again, budget.id
