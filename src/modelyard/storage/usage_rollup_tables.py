"""Daily rollups of ``usage_records``: what reports read for whole UTC days.

Two narrow tables rather than one wide one, because no report crosses users with models: per
workspace, UTC day, model (id and the slug recorded), deployment and test flag
(``usage_rollups_model``: reports by model, deployment and day), and per workspace, UTC day,
user and test flag (``usage_rollups_user``: by user and group). At 10 M calls a year a month is
a few thousand rows of each instead of ~160,000 rows of a user x model x deployment table.
Both are kept current in the transaction that stores each usage batch and outlive the raw rows
when retention purges them. Keys that a call may lack (model, slug, deployment) are ``''`` here,
never NULL: NULLs are never equal, so an upsert on them would never find its row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from modelyard.storage.base import Base


class DecimalSum(TypeDecorator[Decimal]):
    """An exact decimal sum as text, without ``DecimalText``'s 40 characters: a sum of many
    exact costs may carry more digits than any one of them."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class _RollupSums:
    """The totals every rollup row carries."""

    calls: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[int] = mapped_column(BigInteger)
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_read_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger)
    reasoning_tokens: Mapped[int] = mapped_column(BigInteger)
    images: Mapped[int] = mapped_column(BigInteger)
    cost_usd: Mapped[Decimal] = mapped_column(DecimalSum)


class UsageModelRollupRow(_RollupSums, Base):
    """One day's calls of one model, slug, deployment and test flag."""

    __tablename__ = "usage_rollups_model"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO date, UTC
    model_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    model_slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    is_test: Mapped[bool] = mapped_column(Boolean, primary_key=True)


class UsageUserRollupRow(_RollupSums, Base):
    """One day's calls of one user and test flag."""

    __tablename__ = "usage_rollups_user"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO date, UTC
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    is_test: Mapped[bool] = mapped_column(Boolean, primary_key=True)


MODEL_KEYS = ("workspace_id", "day", "model_id", "model_slug", "deployment_id", "is_test")
USER_KEYS = ("workspace_id", "day", "user_id", "is_test")
