"""Who is acting: the authenticated user, their workspace and role, and the request they act in.

``request_id`` is the ``x-request-id`` of the HTTP request (admin API or web page) the actor
came with, so the audit rows it writes name the request that made the change; None from the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelyard.errors import Forbidden

ADMIN_ROLES = frozenset({"owner", "admin"})


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    workspace_id: str
    role: str
    email: str
    request_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    def require_admin(self) -> None:
        """Refuse members: configuration is for admins and owners."""
        if not self.is_admin:
            raise Forbidden("This needs the admin or owner role.", code="admin_required")
