"""The audit trail: one row per admin change, with ids and field names but never secret values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from modelyard.storage.tables import AuditRow, WorkspaceRow
from modelyard.workspace.actor import Actor


class AuditEntry(BaseModel):
    id: int
    actor_id: str | None
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]
    at: datetime


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: str,
    workspace_id: str | None = None,
    **details: Any,
) -> None:
    """Add an audit row to the caller's transaction (committed with the change it describes)."""
    ws = workspace_id if workspace_id is not None else (actor.workspace_id if actor else None)
    if ws is None:
        raise ValueError("an audit row needs a workspace")
    # Every audited change is a configuration change: bumping the version tells every gateway
    # process (this one and other replicas) to reload the workspace's configuration.
    session.execute(
        update(WorkspaceRow)
        .where(WorkspaceRow.id == ws)
        .values(config_version=WorkspaceRow.config_version + 1)
    )
    session.add(
        AuditRow(
            workspace_id=ws,
            actor_id=actor.user_id if actor else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )
    )


def list_entries(session: Session, actor: Actor, limit: int = 200) -> list[AuditEntry]:
    actor.require_admin()
    rows = session.scalars(
        select(AuditRow)
        .where(AuditRow.workspace_id == actor.workspace_id)
        .order_by(AuditRow.id.desc())
        .limit(limit)
    )
    return [AuditEntry.model_validate(row, from_attributes=True) for row in rows]
