"""usage_records (one row per gateway call) and image_quota_windows (max images per user)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_records",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("api_key_id", sa.String(length=40), nullable=True),
        sa.Column("endpoint", sa.String(length=20), nullable=False),
        sa.Column("model_id", sa.String(length=40), nullable=True),
        sa.Column("model_slug", sa.String(length=120), nullable=True),
        sa.Column("deployment_id", sa.String(length=40), nullable=True),
        sa.Column("fallback_path", sa.JSON(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("stream", sa.Boolean(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_read_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_write_tokens", sa.Integer(), nullable=False),
        sa.Column("reasoning_tokens", sa.Integer(), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("input_price", sa.String(length=40), nullable=True),
        sa.Column("output_price", sa.String(length=40), nullable=True),
        sa.Column("cache_read_price", sa.String(length=40), nullable=True),
        sa.Column("cache_write_price", sa.String(length=40), nullable=True),
        sa.Column("image_price", sa.String(length=40), nullable=True),
        sa.Column("cost_usd", sa.String(length=40), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usage_workspace_started", "usage_records", ["workspace_id", "started_at"])
    op.create_table(
        "image_quota_windows",
        sa.Column("model_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "user_id"),
    )
    op.create_index("ix_image_quota_windows_workspace_id", "image_quota_windows", ["workspace_id"])


def downgrade() -> None:
    op.drop_table("image_quota_windows")
    op.drop_index("ix_usage_workspace_started", table_name="usage_records")
    op.drop_table("usage_records")
