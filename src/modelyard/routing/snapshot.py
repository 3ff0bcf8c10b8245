"""An immutable, in-memory picture of one workspace's configuration, as the gateway needs it.

Built from the database in a handful of queries; the hot path reads only this. Provider secrets
are decrypted once here, into :class:`~modelyard.providers.base.Target` objects that never leave
the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.catalog.schema import Capabilities
from modelyard.providers.base import Target
from modelyard.providers.registry import connection_for
from modelyard.security import SecretBox
from modelyard.storage.tables import (
    ApiKeyRow,
    AssistantRow,
    BudgetRow,
    DeploymentRow,
    FallbackRow,
    GroupMemberRow,
    GroupRow,
    ModelAccessRow,
    ModelKeyRow,
    ModelRow,
    UserRow,
    WorkspaceRow,
)
from modelyard.usage.cost import UnitPrices, prices_in_force


@dataclass(frozen=True, slots=True)
class DeploymentConfig:
    id: str
    key_id: str
    tpm_limit: int | None
    target: Target


@dataclass(frozen=True, slots=True)
class ModelConfig:
    id: str
    kind: str
    slug: str
    display_name: str
    provider: str
    provider_model_name: str
    region: str
    description_en: str | None
    description_de: str | None
    visible: bool
    available_in_assistants: bool
    premium: bool
    maintenance: bool
    allow_cross_region_fallback: bool
    context_window: int | None
    max_output_tokens: int | None
    capabilities: Capabilities
    image_editing: bool
    max_images_count: int | None
    max_images_window_hours: int | None
    similarity_threshold: Decimal | None
    prices: UnitPrices
    deployments: tuple[DeploymentConfig, ...]
    fallback_ids: tuple[str, ...]
    created: int
    # None: everyone may use it; else only members of these groups (admins always may).
    access_group_ids: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class AssistantConfig:
    id: str
    slug: str
    name: str
    instructions: str
    model_id: str
    tools: tuple[str, ...]
    created: int
    knowledge_collection_id: str | None = None


@dataclass(frozen=True, slots=True)
class BudgetConfig:
    """One spend limit as the gateway checks it (see :mod:`modelyard.routing.budgets`)."""

    id: str
    scope: str  # workspace | group | user | api_key
    scope_id: str | None
    amount_usd: Decimal
    period: str
    timezone: str
    on_exceed: str  # block | fallback
    fallback_model_id: str | None
    notify_at: tuple[Decimal, ...]
    scope_name: str = ""  # the group's or API key's name, for the message naming the budget


@dataclass(slots=True)
class WorkspaceConfig:
    id: str
    version: int
    models_by_slug: dict[str, ModelConfig] = field(default_factory=dict)
    models_by_id: dict[str, ModelConfig] = field(default_factory=dict)
    assistants_by_slug: dict[str, AssistantConfig] = field(default_factory=dict)
    default_models: dict[str, str | None] = field(default_factory=dict)  # user id -> model id
    user_groups: dict[str, frozenset[str]] = field(default_factory=dict)  # user id -> group ids
    budgets: tuple[BudgetConfig, ...] = ()
    # (user id, api key id) -> the budgets that apply to its calls, filled on first use.
    _applying: dict[tuple[str, str | None], tuple[BudgetConfig, ...]] = field(default_factory=dict)

    def applying_budgets(self, user_id: str, api_key_id: str | None) -> tuple[BudgetConfig, ...]:
        """The workspace's, the user's, each of the user's groups' and the key's budgets: one
        dict lookup per call once computed (the snapshot is replaced when budgets change)."""
        found = self._applying.get((user_id, api_key_id))
        if found is None:
            groups = self.user_groups.get(user_id, frozenset())
            found = tuple(
                b
                for b in self.budgets
                if b.scope == "workspace"
                or (b.scope == "user" and b.scope_id == user_id)
                or (b.scope == "group" and b.scope_id in groups)
                or (b.scope == "api_key" and api_key_id is not None and b.scope_id == api_key_id)
            )
            self._applying[(user_id, api_key_id)] = found
        return found


def load_workspace(session: Session, box: SecretBox, workspace_id: str) -> WorkspaceConfig:
    """Read one workspace's configuration (nine queries, whatever its size)."""
    version = session.scalar(
        select(WorkspaceRow.config_version).where(WorkspaceRow.id == workspace_id)
    )
    config = WorkspaceConfig(id=workspace_id, version=version or 0)
    keys = {
        row.id: row
        for row in session.scalars(
            select(ModelKeyRow).where(ModelKeyRow.workspace_id == workspace_id)
        )
    }
    deployments: dict[str, list[DeploymentConfig]] = {}
    for dep in session.scalars(
        select(DeploymentRow)
        .where(DeploymentRow.workspace_id == workspace_id)
        .order_by(DeploymentRow.created_at, DeploymentRow.id)
    ):
        key = keys[dep.key_id]
        target = Target(
            provider=key.provider,
            connection=connection_for(key.provider),
            model=dep.model_identifier,
            secret=box.decrypt(key.secret_encrypted),
            base_url=key.base_url,
            api_version=key.api_version,
            organization=key.organization,
        )
        deployments.setdefault(dep.model_id, []).append(
            DeploymentConfig(id=dep.id, key_id=key.id, tpm_limit=dep.tpm_limit, target=target)
        )
    fallbacks: dict[str, list[str]] = {}
    for link in session.scalars(
        select(FallbackRow)
        .where(FallbackRow.workspace_id == workspace_id)
        .order_by(FallbackRow.position)
    ):
        fallbacks.setdefault(link.model_id, []).append(link.fallback_model_id)
    access: dict[str, set[str]] = {}
    for model_id, group_id in session.execute(
        select(ModelAccessRow.model_id, ModelAccessRow.group_id)
        .join(GroupRow, GroupRow.id == ModelAccessRow.group_id)
        .where(GroupRow.workspace_id == workspace_id)
    ):
        access.setdefault(model_id, set()).add(group_id)
    for row in session.scalars(select(ModelRow).where(ModelRow.workspace_id == workspace_id)):
        model = _model_config(
            row, tuple(deployments.get(row.id, ())), tuple(fallbacks.get(row.id, ()))
        )
        if row.access_mode == "groups":
            model = replace(model, access_group_ids=frozenset(access.get(row.id, ())))
        config.models_by_slug[model.slug] = model
        config.models_by_id[model.id] = model
    for assistant in session.scalars(
        select(AssistantRow).where(AssistantRow.workspace_id == workspace_id)
    ):
        config.assistants_by_slug[assistant.slug] = AssistantConfig(
            id=assistant.id,
            slug=assistant.slug,
            name=assistant.name,
            instructions=assistant.instructions,
            model_id=assistant.model_id,
            tools=tuple(assistant.tools),
            created=int(assistant.created_at.timestamp()),
            knowledge_collection_id=assistant.knowledge_collection_id,
        )
    for user_id, default_model_id in session.execute(
        select(UserRow.id, UserRow.default_model_id).where(UserRow.workspace_id == workspace_id)
    ):
        config.default_models[user_id] = default_model_id
    members: dict[str, set[str]] = {}
    for user_id, group_id in session.execute(
        select(GroupMemberRow.user_id, GroupMemberRow.group_id)
        .join(GroupRow, GroupRow.id == GroupMemberRow.group_id)
        .where(GroupRow.workspace_id == workspace_id)
    ):
        members.setdefault(user_id, set()).add(group_id)
    config.user_groups = {user: frozenset(groups) for user, groups in members.items()}
    config.budgets = _budgets(session, workspace_id)
    return config


def _budgets(session: Session, workspace_id: str) -> tuple[BudgetConfig, ...]:
    rows = session.execute(
        select(GroupRow.id, GroupRow.name).where(GroupRow.workspace_id == workspace_id)
    )
    names = {group_id: name for group_id, name in rows}
    keys = session.execute(
        select(ApiKeyRow.id, ApiKeyRow.name).where(
            ApiKeyRow.workspace_id == workspace_id,
            ApiKeyRow.id.in_(
                select(BudgetRow.scope_id).where(
                    BudgetRow.workspace_id == workspace_id, BudgetRow.scope == "api_key"
                )
            ),
        )
    )
    names |= {key_id: name for key_id, name in keys}  # ids never collide: prefixed by kind
    return tuple(
        BudgetConfig(
            id=row.id,
            scope=row.scope,
            scope_id=row.scope_id,
            amount_usd=Decimal(row.amount_usd),
            period=row.period,
            timezone=row.timezone,
            on_exceed=row.on_exceed,
            fallback_model_id=row.fallback_model_id,
            notify_at=tuple(sorted(Decimal(str(f)) for f in row.notify_at or ())),
            scope_name=names.get(row.scope_id or "", "")
            if row.scope in ("group", "api_key")
            else "",
        )
        for row in session.scalars(
            select(BudgetRow).where(BudgetRow.workspace_id == workspace_id).order_by(BudgetRow.id)
        )
    )


def _model_config(
    row: ModelRow, deployments: tuple[DeploymentConfig, ...], fallbacks: tuple[str, ...]
) -> ModelConfig:
    return ModelConfig(
        id=row.id,
        kind=row.kind,
        slug=row.slug,
        display_name=row.display_name,
        provider=row.provider,
        provider_model_name=row.provider_model_name,
        region=row.region,
        description_en=row.description_en,
        description_de=row.description_de,
        visible=row.visible,
        available_in_assistants=row.available_in_assistants,
        premium=row.premium,
        maintenance=row.maintenance,
        allow_cross_region_fallback=row.allow_cross_region_fallback,
        context_window=row.context_window,
        max_output_tokens=row.max_output_tokens,
        capabilities=Capabilities.model_validate(row.capabilities or {}),
        image_editing=row.image_editing,
        max_images_count=row.max_images_count,
        max_images_window_hours=row.max_images_window_hours,
        similarity_threshold=row.similarity_threshold,
        prices=prices_in_force(
            row.kind,
            row.provider,
            UnitPrices(
                input=row.input_price,
                output=row.output_price,
                cache_read=row.cache_read_price,
                cache_write=row.cache_write_price,
                image=row.image_price,
            ),
        ),
        deployments=deployments,
        fallback_ids=fallbacks,
        created=int(row.created_at.timestamp()),
    )
