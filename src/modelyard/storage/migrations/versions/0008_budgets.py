"""budgets in USD, their threshold alerts, the workspace's webhook secret

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("webhook_secret", sa.LargeBinary(), nullable=True))
    op.create_table(
        "budgets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("scope_id", sa.String(length=40), nullable=True),
        sa.Column("amount_usd", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("on_exceed", sa.String(length=10), nullable=False),
        sa.Column("fallback_model_id", sa.String(length=40), nullable=True),
        sa.Column("notify_at", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["fallback_model_id"], ["models.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_budgets_workspace_id", "budgets", ["workspace_id"])
    op.create_index("ix_budgets_fallback_model_id", "budgets", ["fallback_model_id"])
    op.create_table(
        "budget_alerts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("budget_id", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("threshold", sa.String(length=40), nullable=False),
        sa.Column("spent_usd", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["budget_id"], ["budgets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("budget_id", "period_start", "threshold"),
    )
    op.create_index("ix_budget_alerts_workspace_id", "budget_alerts", ["workspace_id"])
    op.create_index("ix_budget_alerts_created_at", "budget_alerts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_budget_alerts_created_at", table_name="budget_alerts")
    op.drop_index("ix_budget_alerts_workspace_id", table_name="budget_alerts")
    op.drop_table("budget_alerts")
    op.drop_index("ix_budgets_fallback_model_id", table_name="budgets")
    op.drop_index("ix_budgets_workspace_id", table_name="budgets")
    op.drop_table("budgets")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("webhook_secret")
