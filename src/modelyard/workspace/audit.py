"""The audit trail: one row per admin change, with ids and field names but never secret values.

What a row says of a change is the same everywhere: ``fields``, the sorted names of the fields
it set (a password reset says ``["password"]``, a key rotation ``["secret"]``), plus ids and
other plain context (a model's kind, a group's name). ``record`` refuses a detail named like a
secret, so a caller cannot put a password or key value in by mistake. Reading the trail back
(filters, paging, CSV) is ``audit_query``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from modelyard.storage.tables import AuditRow, WorkspaceRow
from modelyard.workspace.actor import Actor

# Detail names that would hold a secret's value: a programming error, refused at once.
SECRET_NAMES = frozenset(
    {
        "api_key",
        "client_secret",
        "key",
        "password",
        "password_hash",
        "plain",
        "secret",
        "token",
        "webhook_secret",
    }
)


def _details(fields: Iterable[str] | None, details: dict[str, Any]) -> dict[str, Any]:
    for name in details:
        if name.lower() in SECRET_NAMES:
            raise ValueError(f"audit details take field names, never secret values: {name!r}")
    out = dict(details)
    if fields is not None:
        names = sorted(set(fields))
        if not all(isinstance(name, str) for name in names):
            raise ValueError("audit 'fields' are field names (strings)")
        out["fields"] = names
    return out


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: str,
    workspace_id: str | None = None,
    fields: Iterable[str] | None = None,
    **details: Any,
) -> None:
    """Add an audit row to the caller's transaction (committed with the change it describes).
    ``fields``: the names of the fields the change set; ``details``: ids and plain context."""
    ws = workspace_id if workspace_id is not None else (actor.workspace_id if actor else None)
    if ws is None:
        raise ValueError("an audit row needs a workspace")
    row_details = _details(fields, details)
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
            details=row_details,
            request_id=actor.request_id if actor else None,
        )
    )
