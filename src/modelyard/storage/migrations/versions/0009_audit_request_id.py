"""audit rows name the request that made the change; an index for paging the trail

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=128), nullable=True))
    op.create_index(
        "ix_audit_log_workspace_at_id", "audit_log", ["workspace_id", "at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_workspace_at_id", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("request_id")
