"""Who may act on whom: the one rule of rank (owner > admin > member).

Every action one user takes on another user's account (their API keys, password, role,
sessions, deactivation) goes through :func:`require_may_manage`, whichever entry point (API,
web UI) it came from, so that an admin can never act as, or for, an owner.
"""

from __future__ import annotations

from modelyard.errors import Forbidden
from modelyard.workspace.actor import Actor

RANK = {"member": 0, "admin": 1, "owner": 2}


def rank(role: str) -> int:
    """A role's rank; an unknown role ranks below member."""
    return RANK.get(role, -1)


def may_manage(actor: Actor, target_user_id: str, target_role: str) -> bool:
    """Whether ``actor`` may act on the account of ``target_user_id`` (of ``target_role``):
    themselves always; anyone else only as an admin or owner, and never above their rank."""
    if target_user_id == actor.user_id:
        return True
    return actor.is_admin and rank(target_role) <= rank(actor.role)


def require_may_manage(actor: Actor, target_user_id: str, target_role: str, *, what: str) -> None:
    """403 unless :func:`may_manage`; ``what`` names the action in the message."""
    if may_manage(actor, target_user_id, target_role):
        return
    if not actor.is_admin:
        raise Forbidden(
            f"Only a workspace admin can {what} of another user.", code="admin_required"
        )
    raise Forbidden(
        f"You cannot {what} of a user whose role ({target_role}) ranks above yours ({actor.role}).",
        code="higher_rank",
    )
