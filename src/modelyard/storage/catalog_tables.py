"""Catalog history tables: each refresh with its diff, and every price a model had
(importable from ``modelyard.storage.tables`` like every row)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.storage.base import Base
from modelyard.storage.types import DecimalText, UTCDateTime, utcnow


class CatalogUpdateRow(Base):
    """One catalog refresh, applied, unchanged or failed: its diff (entry ids added, removed
    and deprecated; changed fields with old and new values) and the workspace models it
    touched, so an admin sees later what changed for their models and why a refresh failed."""

    __tablename__ = "catalog_updates"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # schedule, manual
    actor_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20))  # applied, unchanged, failed
    error: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    old_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    new_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # [{workspace_id, model_id, slug, catalog_id, status, fields: {name: [old, new]}}]
    touched: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ModelPriceRow(Base):
    """A price a model had from ``effective_at`` on (until the next row): written when it is
    created, and when an admin edit or a catalog refresh changes a price. Usage records keep
    their own copy of the prices at call time; this is the history an admin reads."""

    __tablename__ = "model_prices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # No foreign key: the history outlives a deleted model, like its usage records.
    model_id: Mapped[str] = mapped_column(String(40), index=True)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(20))  # created, admin, catalog
    catalog_update_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    input_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    output_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    cache_read_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    cache_write_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    image_price: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
