"""Rows of the "Add custom model" wizard and of publishing (importable from
``modelyard.storage.tables`` like every row): each model's last live test, which decides
whether it may be made visible, and the wizard's drafts, kept server-side so every step has a
URL of its own and a draft is saved at most once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.storage.base import Base
from modelyard.storage.types import UTCDateTime, utcnow


class ModelTestRow(Base):
    """The last live test of a model: whether it passed and what it found. No row means "never
    tested" (models made before tests were kept, or by the API without one): publishable."""

    __tablename__ = "model_tests"

    model_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    passed: Mapped[bool] = mapped_column(Boolean)
    # The test's answer as ``run_live_test`` gave it (no secrets: outputs, checks, errors).
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    tested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    tested_by: Mapped[str | None] = mapped_column(String(40), nullable=True)


class WizardDraftRow(Base):
    """One admin's trip through the wizard: the draft (encrypted with the secret box, since it
    may hold an inline key's secret) and, once saved, the model it became."""

    __tablename__ = "wizard_drafts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(40))
    data: Mapped[str] = mapped_column(Text)
    saved_model_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
