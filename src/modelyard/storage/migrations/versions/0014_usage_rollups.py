"""usage rollups: daily totals per model, slug, deployment and test flag, and per user and test
flag (usage_rollups_model, usage_rollups_user), backfilled;
usage_records' (workspace_id, started_at) index gains id (the export's keyset order)

Revision ID: 0014
Revises: 0013

Self-contained on purpose (no application imports): the backfill must stay what it is when the
application's rollup code changes later. Costs are summed exactly: PostgreSQL as NUMERIC,
SQLite with a Python ``Decimal`` aggregate registered on the migration's connection.
"""

from decimal import Context, Decimal, localcontext
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_EXACT = Context(prec=80)
_SUMS = (
    "calls",
    "errors",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "images",
)


class _DecimalSum:
    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: str | None) -> None:
        if value is not None:
            with localcontext(_EXACT):
                self.total = Decimal(value) if self.total is None else self.total + Decimal(value)

    def finalize(self) -> str | None:
        return None if self.total is None else format(self.total, "f")


def _create(name: str, keys: list[tuple[str, int]]) -> None:
    op.create_table(
        name,
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        *(sa.Column(key, sa.String(width), nullable=False) for key, width in keys),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _SUMS),
        sa.Column("cost_usd", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "day", *(key for key, _w in keys), "is_test"),
    )


def upgrade() -> None:
    # The export's keyset pages order by (started_at, id): with id in the index, SQLite reads
    # them in order instead of sorting the rest of the range for every page.
    op.create_index(
        "ix_usage_workspace_started_id", "usage_records", ["workspace_id", "started_at", "id"]
    )
    op.drop_index("ix_usage_workspace_started", table_name="usage_records")
    _create("usage_rollups_model", [("model_id", 40), ("model_slug", 120), ("deployment_id", 40)])
    _create("usage_rollups_user", [("user_id", 40)])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        day = "to_char(timezone('UTC', started_at), 'YYYY-MM-DD')"
        cost = "CAST(SUM(CAST(cost_usd AS NUMERIC)) AS TEXT)"
    else:
        raw: Any = bind.connection.driver_connection
        raw.create_aggregate("modelyard_0014_decimal_sum", 1, _DecimalSum)
        day = "substr(started_at, 1, 10)"
        cost = "modelyard_0014_decimal_sum(cost_usd)"
    sums = (
        "COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), "
        + ", ".join(f"SUM({name})" for name in _SUMS[2:])
        + f", {cost}"
    )
    for table, columns, keys in (
        (
            "usage_rollups_model",
            "workspace_id, day, model_id, model_slug, deployment_id, is_test",
            f"workspace_id, {day}, COALESCE(model_id, ''), COALESCE(model_slug, ''), "
            "COALESCE(deployment_id, ''), is_test",
        ),
        (
            "usage_rollups_user",
            "workspace_id, day, user_id, is_test",
            f"workspace_id, {day}, user_id, is_test",
        ),
    ):
        op.execute(
            f"INSERT INTO {table} ({columns}, {', '.join(_SUMS)}, cost_usd) "
            f"SELECT {keys}, {sums} FROM usage_records GROUP BY {keys}"
        )


def downgrade() -> None:
    op.drop_table("usage_rollups_user")
    op.drop_table("usage_rollups_model")
    op.create_index("ix_usage_workspace_started", "usage_records", ["workspace_id", "started_at"])
    op.drop_index("ix_usage_workspace_started_id", table_name="usage_records")
