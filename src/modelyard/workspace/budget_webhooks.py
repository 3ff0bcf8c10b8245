"""The workspace's webhook secret and the record of budget threshold alerts (admin side).

The secret keys the HMAC that lets a receiver trust a budget webhook. Only the owner may make
one; it is shown once, stored encrypted with the same box as provider secrets, and a new one
replaces the old at once. The alerts themselves are written and delivered by
``usage.budget_alerts``; admins read them here, newest first, with their delivery state.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from modelyard.errors import Forbidden
from modelyard.security import SecretBox
from modelyard.storage.tables import BudgetAlertRow, WorkspaceRow
from modelyard.workspace import audit
from modelyard.workspace.actor import Actor
from modelyard.workspace.budget_schemas import AlertState, BudgetAlertOut, WebhookSecretOut

SECRET_PREFIX = "whsec_"
MAX_ALERTS = 1000


def new_webhook_secret(session: Session, actor: Actor, box: SecretBox) -> WebhookSecretOut:
    """A new secret for the workspace's budget webhooks (owner only), returned this once."""
    if actor.role != "owner":
        raise Forbidden("Only an owner can set the webhook secret.", code="owner_required")
    plain = SECRET_PREFIX + secrets.token_urlsafe(32)
    session.execute(
        update(WorkspaceRow)
        .where(WorkspaceRow.id == actor.workspace_id)
        .values(webhook_secret=box.encrypt(plain))
    )
    audit.record(
        session,
        actor,
        "workspace.webhook_secret",
        "workspace",
        actor.workspace_id,
        fields=["secret"],
    )
    session.commit()
    return WebhookSecretOut(secret=plain)


def alert_state(row: BudgetAlertRow) -> AlertState:
    if row.delivered_at is not None:
        return "delivered"
    if row.next_attempt_at is not None:
        return "pending"
    return "failed" if row.attempts else "no_webhook"


def list_alerts(
    session: Session, actor: Actor, budget_id: str | None = None, limit: int = 100
) -> list[BudgetAlertOut]:
    """The recorded crossings, newest first (admins and owners)."""
    actor.require_admin()
    statement = select(BudgetAlertRow).where(BudgetAlertRow.workspace_id == actor.workspace_id)
    if budget_id is not None:
        statement = statement.where(BudgetAlertRow.budget_id == budget_id)
    rows = session.scalars(
        statement.order_by(BudgetAlertRow.created_at.desc(), BudgetAlertRow.id.desc()).limit(
            max(1, min(limit, MAX_ALERTS))
        )
    )
    return [
        BudgetAlertOut(
            id=row.id,
            budget_id=row.budget_id,
            threshold=row.threshold,
            spent_usd=row.spent_usd,
            period_start=row.period_start,
            created_at=row.created_at,
            state=alert_state(row),
            delivered_at=row.delivered_at,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
        )
        for row in rows
    ]
