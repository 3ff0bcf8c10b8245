"""Model keys: provider credentials, encrypted at rest and write-only.

Only ``secret_last4`` ever leaves. A key's ``base_url`` decides where its secret is sent, so
pointing a key somewhere else requires sending the secret again: whoever can edit a key can
never redirect an existing secret to a server of their choosing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.errors import Conflict, InvalidInput, NotFound
from modelyard.security import SecretBox, check_base_url
from modelyard.storage.deletion import delete_row
from modelyard.storage.tables import DeploymentRow, ModelKeyRow, ModelRow
from modelyard.workspace import audit, duplicates
from modelyard.workspace.actor import Actor
from modelyard.workspace.ids import new_id
from modelyard.workspace.schemas import KeyUsage, ModelKeyCreate, ModelKeyOut, ModelKeyUpdate


def _load(session: Session, actor: Actor, key_id: str, param: str = "key_id") -> ModelKeyRow:
    row = session.get(ModelKeyRow, key_id)
    if row is None or row.workspace_id != actor.workspace_id:
        raise NotFound(f"No model key with id '{key_id}' in this workspace.", param=param)
    return row


def load_key(session: Session, actor: Actor, key_id: str, param: str = "key_id") -> ModelKeyRow:
    """The workspace's key, or 404 naming ``param``."""
    return _load(session, actor, key_id, param)


def _check_url(url: str | None, allowed: Sequence[str]) -> str | None:
    return None if not url else check_base_url(url, allowed)


def _check_azure(provider: str, base_url: str | None, api_version: str | None) -> None:
    if provider == "azure" and not base_url:
        raise InvalidInput(
            "Azure OpenAI keys need 'base_url' (https://NAME.openai.azure.com).", param="base_url"
        )
    if provider == "azure" and not api_version:
        raise InvalidInput("Azure OpenAI keys need 'api_version'.", param="api_version")
    if provider == "openai_compatible" and not base_url:
        raise InvalidInput(
            "OpenAI-compatible keys need 'base_url' (the server's /v1 URL).", param="base_url"
        )


def create_key(
    session: Session,
    actor: Actor,
    box: SecretBox,
    allowed: Sequence[str],
    data: ModelKeyCreate,
    *,
    confirm_duplicate: bool = True,
) -> ModelKeyOut:
    """``confirm_duplicate=False``: 409 ``duplicate_key_name`` if a key of this name exists."""
    actor.require_admin()
    duplicates.check_key(session, actor, data.name, confirm_duplicate)
    base_url = _check_url(data.base_url, allowed)
    _check_azure(data.provider, base_url, data.api_version)
    row = ModelKeyRow(
        id=new_id("key"),
        workspace_id=actor.workspace_id,
        name=data.name,
        provider=data.provider,
        secret_encrypted=box.encrypt(data.secret),
        secret_last4=data.secret[-4:],
        base_url=base_url,
        api_version=data.api_version,
        organization=data.organization,
    )
    session.add(row)
    audit.record(session, actor, "model_key.create", "model_key", row.id, provider=row.provider)
    session.commit()
    return _outs(session, [row])[0]


def update_key(
    session: Session,
    actor: Actor,
    box: SecretBox,
    allowed: Sequence[str],
    key_id: str,
    data: ModelKeyUpdate,
) -> ModelKeyOut:
    actor.require_admin()
    row = _load(session, actor, key_id)
    sent = data.model_fields_set
    for field in ("name", "secret"):
        if field in sent and getattr(data, field) is None:
            raise InvalidInput(f"'{field}' cannot be null.", param=field)
    if "base_url" in sent:
        new_url = _check_url(data.base_url, allowed)
        if new_url != row.base_url and data.secret is None:
            raise InvalidInput(
                "Changing 'base_url' requires sending 'secret' again, so a stored secret is "
                "never sent to a new server.",
                param="secret",
                code="secret_required_for_base_url",
            )
        row.base_url = new_url
    if data.name is not None:
        row.name = data.name
    if "api_version" in sent:
        row.api_version = data.api_version
    if "organization" in sent:
        row.organization = data.organization
    if data.secret is not None:
        row.secret_encrypted = box.encrypt(data.secret)
        row.secret_last4 = data.secret[-4:]
    _check_azure(row.provider, row.base_url, row.api_version)
    fields = sorted(sent)
    audit.record(session, actor, "model_key.update", "model_key", row.id, fields=fields)
    session.commit()
    return _outs(session, [row])[0]


def delete_key(session: Session, actor: Actor, key_id: str) -> None:
    actor.require_admin()
    row = _load(session, actor, key_id)
    usage = _usage(session, [row.id])[row.id]
    if usage:
        slugs = ", ".join(sorted({u.model_slug for u in usage}))
        raise Conflict(
            f"Model key '{row.name}' is used by {len(usage)} deployment(s) of: {slugs}. "
            "Remove or move those deployments first.",
            code="key_in_use",
        )
    delete_row(
        session,
        row,
        NotFound(f"No model key with id '{row.id}' in this workspace.", param="key_id"),
    )
    audit.record(session, actor, "model_key.delete", "model_key", row.id)
    session.commit()


def get_key(session: Session, actor: Actor, key_id: str) -> ModelKeyOut:
    actor.require_admin()
    return _outs(session, [_load(session, actor, key_id)])[0]


def list_keys(session: Session, actor: Actor) -> list[ModelKeyOut]:
    actor.require_admin()
    rows = session.scalars(
        select(ModelKeyRow)
        .where(ModelKeyRow.workspace_id == actor.workspace_id)
        .order_by(ModelKeyRow.created_at)
    )
    return _outs(session, list(rows))


def _usage(session: Session, key_ids: list[str]) -> dict[str, list[KeyUsage]]:
    usage: dict[str, list[KeyUsage]] = defaultdict(list)
    for dep_id, key_id, model_id, slug in session.execute(
        select(DeploymentRow.id, DeploymentRow.key_id, ModelRow.id, ModelRow.slug)
        .join(ModelRow, ModelRow.id == DeploymentRow.model_id)
        .where(DeploymentRow.key_id.in_(key_ids))
    ):
        usage[key_id].append(KeyUsage(deployment_id=dep_id, model_id=model_id, model_slug=slug))
    return usage


def _outs(session: Session, rows: list[ModelKeyRow]) -> list[ModelKeyOut]:
    usage = _usage(session, [row.id for row in rows])
    return [
        ModelKeyOut(
            id=row.id,
            name=row.name,
            provider=row.provider,
            secret_last4=row.secret_last4,
            base_url=row.base_url,
            api_version=row.api_version,
            organization=row.organization,
            used_by=usage[row.id],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]
