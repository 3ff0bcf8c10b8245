"""Every price a model ever had, with the time it took effect.

Usage records carry the prices in force at call time, so this history is for people: which
price applied when, and what a catalog refresh or an admin edit changed. A row is written only
when a price actually changes; a model older than this history gets its earlier prices as a
first row (from its creation time) the first time they change.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.storage.tables import ModelPriceRow, ModelRow
from modelyard.storage.types import utcnow
from modelyard.workspace.actor import Actor

PRICE_FIELDS = (
    "input_price",
    "output_price",
    "cache_read_price",
    "cache_write_price",
    "image_price",
)

Prices = tuple[Decimal | None, ...]


class PriceOut(BaseModel):
    """One price period of a model (prices in USD per 1M tokens, image price per image)."""

    effective_at: datetime
    source: str
    catalog_update_id: str | None = None
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    cache_write_price: Decimal | None = None
    image_price: Decimal | None = None


def prices_of(row: ModelRow) -> Prices:
    """The model's prices now, to compare after a change."""
    return tuple(getattr(row, name) for name in PRICE_FIELDS)


def record_initial(session: Session, row: ModelRow, source: str = "created") -> None:
    """The prices a new model starts with."""
    session.add(_history_row(row, prices_of(row), source, row.created_at or utcnow()))


def record_change(
    session: Session,
    row: ModelRow,
    before: Prices,
    source: str,
    catalog_update_id: str | None = None,
) -> bool:
    """Add a row if the prices differ from ``before`` (in the caller's transaction)."""
    after = prices_of(row)
    if after == before:
        return False
    has_history = session.scalar(
        select(ModelPriceRow.id).where(ModelPriceRow.model_id == row.id).limit(1)
    )
    if has_history is None:
        session.add(_history_row(row, before, "created", row.created_at or utcnow()))
    session.add(_history_row(row, after, source, utcnow(), catalog_update_id))
    return True


def list_prices(session: Session, actor: Actor, model_id: str) -> list[PriceOut]:
    """The model's price periods, oldest first; its current prices alone if none changed."""
    from modelyard.workspace.models import load_row  # the model's own visibility rules

    actor.require_admin()
    row = load_row(session, actor, model_id)
    rows = session.scalars(
        select(ModelPriceRow)
        .where(ModelPriceRow.model_id == row.id, ModelPriceRow.workspace_id == row.workspace_id)
        .order_by(ModelPriceRow.effective_at, ModelPriceRow.id)
    ).all()
    if not rows:
        rows = [_history_row(row, prices_of(row), "created", row.created_at)]
    return [_out(r) for r in rows]


def _history_row(
    row: ModelRow,
    prices: Prices,
    source: str,
    at: datetime,
    catalog_update_id: str | None = None,
) -> ModelPriceRow:
    return ModelPriceRow(
        workspace_id=row.workspace_id,
        model_id=row.id,
        effective_at=at,
        source=source,
        catalog_update_id=catalog_update_id,
        **dict(zip(PRICE_FIELDS, prices, strict=True)),
    )


def _out(row: ModelPriceRow) -> PriceOut:
    return PriceOut(
        effective_at=row.effective_at,
        source=row.source,
        catalog_update_id=row.catalog_update_id,
        **{name: getattr(row, name) for name in PRICE_FIELDS},
    )
