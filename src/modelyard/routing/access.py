"""Who may use which model: the one rule the gateway, the admin API and the web UI share.

Checked from the in-memory snapshot (no query on the hot path). A model a caller may not use
does not exist for them: it is absent from ``/v1/models`` and a 404 when called, like a hidden
model; a model outside the calling key's own list is a 403 naming the key, since the member
may well use it with another key.
"""

from __future__ import annotations

from typing import Protocol

from modelyard.errors import Forbidden
from modelyard.routing.config_store import Caller
from modelyard.routing.snapshot import ModelConfig, WorkspaceConfig


class Governed(Protocol):
    """What the rule reads of a model: the snapshot's ``ModelConfig``, or the domain's view of
    a stored model (``workspace.groups``), so both ask the same rule."""

    @property
    def visible(self) -> bool: ...

    @property
    def access_group_ids(self) -> frozenset[str] | None: ...


def member_may_use(
    model: Governed, user_groups: frozenset[str] | set[str], *, is_admin: bool
) -> bool:
    """Visible to members, and given to everyone or to one of the user's groups. Admins and
    owners are never restricted: they must be able to test a model before members see it."""
    if is_admin:
        return True
    if not model.visible:
        return False
    allowed = model.access_group_ids
    return allowed is None or not allowed.isdisjoint(user_groups)


def may_use(config: WorkspaceConfig, caller: Caller, model: ModelConfig) -> bool:
    """Whether the caller (their role and groups; not yet their key's scope) may use it."""
    if caller.is_admin:
        return True
    return member_may_use(
        model, config.user_groups.get(caller.user_id, frozenset()), is_admin=False
    )


def key_allows(caller: Caller, model: ModelConfig) -> bool:
    return caller.model_ids is None or model.id in caller.model_ids


def check_key_scope(caller: Caller, model: ModelConfig) -> None:
    """403 when the calling key is limited to other models."""
    if not key_allows(caller, model):
        name = f" '{caller.key_name}'" if caller.key_name else ""
        raise Forbidden(
            f"The API key{name} may not call the model '{model.slug}': it is limited to "
            "other models. Use another key or ask an admin to widen this one.",
            param="model",
            code="model_not_allowed_for_key",
        )
