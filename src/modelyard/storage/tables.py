"""Typed SQLAlchemy tables. Every row but the catalog belongs to one workspace.

Rows are storage; the domain's pydantic schemas (``workspace/schemas.py``) are what the outside
sees. Changing a table means adding a migration in ``migrations/versions``; never edit one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

# Rows kept in modules of their own, importable from here like every other row.
from modelyard.storage.base import Base as Base
from modelyard.storage.catalog_tables import CatalogUpdateRow as CatalogUpdateRow
from modelyard.storage.catalog_tables import ModelPriceRow as ModelPriceRow
from modelyard.storage.identity_tables import InviteRow as InviteRow
from modelyard.storage.identity_tables import OidcLoginRow as OidcLoginRow
from modelyard.storage.identity_tables import ScimTokenRow as ScimTokenRow
from modelyard.storage.lifecycle_tables import CatalogRetirementRow as CatalogRetirementRow
from modelyard.storage.publishing_tables import ModelTestRow as ModelTestRow
from modelyard.storage.publishing_tables import WizardDraftRow as WizardDraftRow
from modelyard.storage.types import DecimalText, UTCDateTime, utcnow
from modelyard.storage.usage_rollup_tables import UsageModelRollupRow as UsageModelRollupRow
from modelyard.storage.usage_rollup_tables import UsageUserRollupRow as UsageUserRollupRow


class WorkspaceRow(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    config_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Keys the HMAC of budget webhooks; Fernet ciphertext like model key secrets, shown once.
    webhook_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    default_model_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set: the user can neither sign in nor call with their keys (kept for history).
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set: deleted (SCIM DELETE); the row stays so that usage history keeps its user.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The identity provider's id for this user (SCIM ``externalId``) and the OpenID subject
    # (``issuer|sub``) that signs them in.
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(600), nullable=True, index=True)


class WebSessionRow(Base):
    """One sign-in to the web UI. The cookie names it; revoking the row ends it on every
    replica (sign-out, password change or reset, deactivation, role change)."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Scopes: past ``expires_at`` the key is a 401; with ``model_ids`` it may call only those.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    model_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Written in batches off the hot path (approximate to a minute or so).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class GroupRow(Base):
    """A set of users: model access and budgets are given to groups, not model by model."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    # The identity provider's id for this group (SCIM ``externalId``).
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GroupMemberRow(Base):
    __tablename__ = "group_members"

    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class ModelAccessRow(Base):
    """With ``models.access_mode == "groups"``: the groups whose members may use the model."""

    __tablename__ = "model_access"

    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), primary_key=True, index=True)


class ModelKeyRow(Base):
    """A provider credential. ``secret_encrypted`` is Fernet ciphertext; only the last 4 leave."""

    __tablename__ = "model_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(40))
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    secret_last4: Mapped[str] = mapped_column(String(4))
    base_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    api_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    organization: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ModelRow(Base):
    """A model of the workspace. For pre-configured ones (``catalog_id`` set) the technical
    columns mirror the catalog entry and are rewritten whenever the catalog changes."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(120))
    catalog_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    catalog_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    display_name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(40))
    provider_model_name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(10), default="Global")
    description_en: Mapped[str | None] = mapped_column(String(150), nullable=True)
    description_de: Mapped[str | None] = mapped_column(String(150), nullable=True)
    visible: Mapped[bool] = mapped_column(Boolean, default=False)
    available_in_assistants: Mapped[bool] = mapped_column(Boolean, default=False)
    premium: Mapped[bool] = mapped_column(Boolean, default=False)
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_cross_region_fallback: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    context_window: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_output_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    input_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    output_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    cache_read_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    cache_write_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    image_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    capabilities: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    image_editing: Mapped[bool] = mapped_column(Boolean, default=False)
    max_images_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_images_window_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    similarity_threshold: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    embedding_dimensions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # "everyone" or "groups" (then ``model_access`` lists them); admins are never restricted.
    access_mode: Mapped[str] = mapped_column(
        String(10), default="everyone", server_default="everyone"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DeploymentRow(Base):
    __tablename__ = "deployments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), index=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("model_keys.id"), index=True)
    model_identifier: Mapped[str] = mapped_column(String(200))
    tpm_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FallbackRow(Base):
    __tablename__ = "fallbacks"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    fallback_model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), index=True)


class AssistantRow(Base):
    __tablename__ = "assistants"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120))
    instructions: Mapped[str] = mapped_column(Text, default="")
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), index=True)
    tools: Mapped[list[str]] = mapped_column(JSON, default=list)
    knowledge_collection_id: Mapped[str | None] = mapped_column(
        ForeignKey("knowledge_collections.id", name="fk_assistants_knowledge_collection"),
        nullable=True,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditRow(Base):
    """Who changed what and when: ids and field names, never secret values."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    actor_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Newest first, page after page: the keyset (at, id) within a workspace.
    __table_args__ = (Index("ix_audit_log_workspace_at_id", "workspace_id", "at", "id"),)


class CatalogRow(Base):
    """The active catalog, shared by every replica; absent until the first update (bundled)."""

    __tablename__ = "catalog"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UsageRow(Base):
    """One gateway call, successful or not, with the unit prices in force at the time: a later
    price change never rewrites history. Written in batches, off the request path."""

    __tablename__ = "usage_records"
    # With the id last, the export's keyset pages (ordered by started_at, id) read the index in
    # order on SQLite too, instead of sorting the rest of the range for every page (0014).
    __table_args__ = (Index("ix_usage_workspace_started_id", "workspace_id", "started_at", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(40))
    api_key_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    endpoint: Mapped[str] = mapped_column(String(20))
    model_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    model_slug: Mapped[str | None] = mapped_column(String(120), nullable=True)
    deployment_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    fallback_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[int] = mapped_column(Integer)
    stream: Mapped[bool] = mapped_column(Boolean, default=False)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    reasoning_tokens: Mapped[int] = mapped_column(Integer, default=0)
    images: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    input_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    output_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    cache_read_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    cache_write_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    image_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    cost_usd: Mapped[Decimal] = mapped_column(DecimalText)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The call's x-request-id (the caller's own or ours).
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # None for a call that ended; "unknown_outcome" for one whose process died while the
    # upstream had it (recorded at replay from its pending journal line, estimated).
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # A call an admin's live test made (wizard, model page): priced and shown in Usage, flagged.
    is_test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ImageQuotaRow(Base):
    """The current window of a user's image quota on one model (max images per user)."""

    __tablename__ = "image_quota_windows"

    model_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(40), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)


class KnowledgeCollectionRow(Base):
    """A set of documents searched together, embedded by one embedding model of the workspace.

    ``dimensions`` is the vector size of its chunks (None while it has none). ``revision`` grows
    with every change of its chunks or model, so each process can tell whether its in-memory
    search matrix is still current without any cross-process message; and because every write
    of chunks is conditional on the model the vectors came from, two models never mix.
    ``embedding_model_id`` has no foreign key; deleting a model that a collection uses is
    refused by the domain (``workspace/models.delete_model``) with a clear message instead."""

    __tablename__ = "knowledge_collections"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120))
    embedding_model_id: Mapped[str] = mapped_column(String(40), index=True)
    dimensions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class KnowledgeDocumentRow(Base):
    """An uploaded text or Markdown document; its text lives on in its chunks."""

    __tablename__ = "knowledge_documents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("knowledge_collections.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnowledgeChunkRow(Base):
    """One piece of a document and its unit-length vector (float32, little-endian bytes)."""

    __tablename__ = "knowledge_chunks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("knowledge_collections.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("knowledge_documents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    dimensions: Mapped[int] = mapped_column(Integer)


class BudgetRow(Base):
    """A spend limit in USD on one scope (the workspace, a group, a user or an API key) for a
    period in the budget's time zone. ``scope_id`` is None for the workspace; it has no foreign
    key because it names rows of different tables (the domain checks it on every write)."""

    __tablename__ = "budgets"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(20))
    scope_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    amount_usd: Mapped[Decimal] = mapped_column(DecimalText)
    period: Mapped[str] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    on_exceed: Mapped[str] = mapped_column(String(10))
    fallback_model_id: Mapped[str | None] = mapped_column(
        ForeignKey("models.id"), nullable=True, index=True
    )
    # Fractions of ``amount_usd`` (decimal strings, sorted): crossing one notifies once a period.
    notify_at: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["0.8", "1.0"])
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BudgetAlertRow(Base):
    """One crossing of a budget's ``notify_at`` fraction in one period, and the delivery state
    of its webhook. Unique per (budget, period, threshold): every replica may report the same
    crossing, the database keeps one, so it is posted once."""

    __tablename__ = "budget_alerts"
    __table_args__ = (UniqueConstraint("budget_id", "period_start", "threshold"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    threshold: Mapped[Decimal] = mapped_column(DecimalText)
    spent_usd: Mapped[Decimal] = mapped_column(DecimalText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Due for a (re)delivery when set and past; None once delivered, given up or webhook-less.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class StoredResponseRow(Base):
    """A ``/v1/responses`` answer kept for its user (``store``, the default): the conversation
    so far (input items, the previous responses' included) and this answer's output, so that
    ``previous_response_id`` continues it with one read. Purged after the retention days."""

    __tablename__ = "stored_responses"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The conversation's items before this answer, and the response object as it was answered.
    input_items: Mapped[list[Any]] = mapped_column(JSON)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
