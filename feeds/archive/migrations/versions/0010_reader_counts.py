"""reader counts: requests, subscribers and pickups per feed, consumer family and hour

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reader_hits",
        sa.Column("feed", sa.String(200), primary_key=True),
        sa.Column("family", sa.String(64), primary_key=True),
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("requests", sa.BigInteger, nullable=False),
        sa.Column("ok", sa.BigInteger, nullable=False),
        sa.Column("not_modified", sa.BigInteger, nullable=False),
        sa.Column("other", sa.BigInteger, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_reader_hits_hour", "reader_hits", ["hour"])
    op.create_table(
        "reader_subscribers",
        sa.Column("feed", sa.String(200), primary_key=True),
        sa.Column("family", sa.String(64), primary_key=True),
        sa.Column("unit", sa.String(64), primary_key=True),
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("subscribers", sa.BigInteger, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reader_subscribers_hour", "reader_subscribers", ["hour"])
    op.create_table(
        "reader_pickups",
        sa.Column("feed", sa.String(200), primary_key=True),
        sa.Column("family", sa.String(64), primary_key=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("first_fetch_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reader_pickups_changed", "reader_pickups", ["changed_at"])


def downgrade() -> None:
    op.drop_table("reader_pickups")
    op.drop_table("reader_subscribers")
    op.drop_table("reader_hits")
