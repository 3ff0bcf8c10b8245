"""catalog refreshes with their diff, and every price a model had

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_PRICES = ("input_price", "output_price", "cache_read_price", "cache_write_price", "image_price")


def upgrade() -> None:
    op.create_table(
        "catalog_updates",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("old_version", sa.String(length=100), nullable=True),
        sa.Column("new_version", sa.String(length=100), nullable=True),
        sa.Column("diff", sa.JSON(), nullable=True),
        sa.Column("touched", sa.JSON(), nullable=False),
    )
    op.create_index("ix_catalog_updates_created_at", "catalog_updates", ["created_at"])
    op.create_table(
        "model_prices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "workspace_id",
            sa.String(length=40),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("model_id", sa.String(length=40), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("catalog_update_id", sa.String(length=40), nullable=True),
        *(sa.Column(name, sa.String(length=40), nullable=True) for name in _PRICES),
    )
    op.create_index("ix_model_prices_workspace_id", "model_prices", ["workspace_id"])
    op.create_index("ix_model_prices_model_id", "model_prices", ["model_id"])


def downgrade() -> None:
    op.drop_table("model_prices")
    op.drop_table("catalog_updates")
