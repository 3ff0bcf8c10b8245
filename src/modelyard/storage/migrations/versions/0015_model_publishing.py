"""model publishing: each model's last live test, and the wizard's server-side drafts

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _workspace() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "workspace_id",
        sa.String(length=40),
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "model_tests",
        sa.Column("model_id", sa.String(length=40), primary_key=True),
        _workspace(),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("tested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tested_by", sa.String(length=40), nullable=True),
    )
    op.create_index("ix_model_tests_workspace_id", "model_tests", ["workspace_id"])
    op.create_table(
        "wizard_drafts",
        sa.Column("id", sa.String(length=40), primary_key=True),
        _workspace(),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("saved_model_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_wizard_drafts_workspace_id", "wizard_drafts", ["workspace_id"])
    op.create_index("ix_wizard_drafts_created_at", "wizard_drafts", ["created_at"])


def downgrade() -> None:
    op.drop_table("wizard_drafts")
    op.drop_table("model_tests")
