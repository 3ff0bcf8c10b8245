"""model lifecycle: catalog entries deprecated or removed, with their last known data

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_retirements",
        sa.Column("catalog_id", sa.String(length=200), primary_key=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("deprecated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("catalog_update_id", sa.String(length=40), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("catalog_retirements")
