"""``/api/budgets``: spend limits in USD (admins and owners), ``/api/me/budgets`` (anyone: the
budgets that apply to them), ``/api/budgets/alerts`` and ``/api/webhook-secret`` (owner)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from modelyard.admin_api.deps import ActorDep, AdminDep, ServicesDep, SessionDep
from modelyard.admin_api.openapi import errors
from modelyard.workspace import budget_webhooks, budgets
from modelyard.workspace.budget_schemas import (
    BudgetAlertOut,
    BudgetCreate,
    BudgetDeleted,
    BudgetOut,
    BudgetUpdate,
    BudgetView,
    WebhookSecretOut,
)

router = APIRouter(prefix="/api", tags=["budgets"])


@router.get("/budgets")
def list_budgets(actor: AdminDep, session: SessionDep) -> list[BudgetOut]:
    """Every budget of the workspace with its current period's recorded spend."""
    return budgets.list_budgets(session, actor)


@router.post("/budgets", status_code=201)
def create_budget(
    data: BudgetCreate, actor: AdminDep, session: SessionDep, services: ServicesDep
) -> BudgetOut:
    """A new budget. 422 names the field: the scope's id, the fallback model (a completion model
    of the workspace, required with ``fallback``), the time zone, the webhook's host."""
    return budgets.create_budget(session, actor, services.settings.allowed_upstream_hosts, data)


@router.get("/budgets/alerts")
def list_alerts(
    actor: AdminDep,
    session: SessionDep,
    budget_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=budget_webhooks.MAX_ALERTS)] = 100,
) -> list[BudgetAlertOut]:
    """The recorded threshold crossings, newest first, with the state of their webhook."""
    return budget_webhooks.list_alerts(session, actor, budget_id, limit)


@router.get("/budgets/{budget_id}")
def get_budget(budget_id: str, actor: AdminDep, session: SessionDep) -> BudgetOut:
    return budgets.get_budget(session, actor, budget_id)


@router.patch("/budgets/{budget_id}")
def update_budget(
    budget_id: str,
    data: BudgetUpdate,
    actor: AdminDep,
    session: SessionDep,
    services: ServicesDep,
) -> BudgetOut:
    """Change any writable field; the result is checked as a whole, like a new budget."""
    return budgets.update_budget(
        session, actor, services.settings.allowed_upstream_hosts, budget_id, data
    )


@router.delete("/budgets/{budget_id}")
def delete_budget(budget_id: str, actor: AdminDep, session: SessionDep) -> BudgetDeleted:
    """Delete the budget and its alerts; calls stop counting against it at once."""
    return budgets.delete_budget(session, actor, budget_id)


@router.get("/me/budgets")
def my_budgets(actor: ActorDep, session: SessionDep) -> list[BudgetView]:
    """The budgets that apply to the caller (the workspace's, their own, their groups', their
    API keys'), with what is spent and what is left in the current period."""
    return budgets.my_budgets(session, actor)


@router.post("/webhook-secret", status_code=201, responses=errors(403))
def new_webhook_secret(
    actor: ActorDep, session: SessionDep, services: ServicesDep
) -> WebhookSecretOut:
    """A new secret for budget webhook signatures (owner only), shown once; it replaces the
    previous one at once."""
    return budget_webhooks.new_webhook_secret(session, actor, services.secret_box)
