"""usage_rollups: daily totals per workspace, user, model, deployment and test flag, backfilled;
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
_KEYS = ("workspace_id", "day", "user_id", "model_id", "model_slug", "deployment_id", "is_test")
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


def upgrade() -> None:
    # The export's keyset pages order by (started_at, id): with id in the index, SQLite reads
    # them in order instead of sorting the rest of the range for every page.
    op.create_index(
        "ix_usage_workspace_started_id", "usage_records", ["workspace_id", "started_at", "id"]
    )
    op.drop_index("ix_usage_workspace_started", table_name="usage_records")
    op.create_table(
        "usage_rollups",
        sa.Column("workspace_id", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("model_id", sa.String(40), nullable=False),
        sa.Column("model_slug", sa.String(120), nullable=False),
        sa.Column("deployment_id", sa.String(40), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _SUMS),
        sa.Column("cost_usd", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEYS),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        day = "to_char(timezone('UTC', started_at), 'YYYY-MM-DD')"
        cost = "CAST(SUM(CAST(cost_usd AS NUMERIC)) AS TEXT)"
    else:
        raw: Any = bind.connection.driver_connection
        raw.create_aggregate("modelyard_0014_decimal_sum", 1, _DecimalSum)
        day = "substr(started_at, 1, 10)"
        cost = "modelyard_0014_decimal_sum(cost_usd)"
    keys = (
        f"workspace_id, {day}, user_id, COALESCE(model_id, ''), COALESCE(model_slug, ''), "
        "COALESCE(deployment_id, ''), is_test"
    )
    op.execute(
        f"INSERT INTO usage_rollups ({', '.join(_KEYS + _SUMS)}, cost_usd) "
        f"SELECT {keys}, COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), "
        + ", ".join(f"SUM({name})" for name in _SUMS[2:])
        + f", {cost} FROM usage_records GROUP BY {keys}"
    )


def downgrade() -> None:
    op.drop_table("usage_rollups")
    op.create_index("ix_usage_workspace_started", "usage_records", ["workspace_id", "started_at"])
    op.drop_index("ix_usage_workspace_started_id", table_name="usage_records")
