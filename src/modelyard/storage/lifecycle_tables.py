"""The catalog entries that were deprecated or removed, kept past their removal (importable
from ``modelyard.storage.tables`` like every row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.storage.base import Base
from modelyard.storage.types import UTCDateTime


class CatalogRetirementRow(Base):
    """A catalog entry that is deprecated or gone. The catalog is shared, so this is too: a
    removed entry's last known data (its provider, kind, model line and successor) stays here,
    where the suggestion of a successor for the models that used it can still read it."""

    __tablename__ = "catalog_retirements"

    catalog_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # deprecated, removed
    # The entry as last seen in a catalog (our file format's entry, prices as strings).
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    deprecated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    catalog_update_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
