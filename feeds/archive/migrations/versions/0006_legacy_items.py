"""legacy items: a publisher's existing feed ids, adopted so the switch-over re-issues none

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legacy_items",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("feed_url", sa.Text, nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("legacy_id", sa.Text, nullable=False),
        sa.Column("is_permalink", sa.Boolean, nullable=True),
        sa.Column("link", sa.Text, nullable=True),
        sa.Column("shortlink", sa.Text, nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner", sa.String(100), nullable=False, server_default=""),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "legacy_keys",
        sa.Column("key", sa.String(700), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("legacy_keys")
    op.drop_table("legacy_items")
