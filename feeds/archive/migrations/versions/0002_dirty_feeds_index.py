"""partial index on dirty feeds, for claim_dirty and pending

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Only the few dirty rows are indexed: claim_dirty and pending() run every few seconds in
# every process and would otherwise read every feed row (10,000 at scale).
DIRTY = sa.text("dirty_seq > built_seq")


def upgrade() -> None:
    op.create_index("ix_feeds_dirty", "feeds", ["name"], postgresql_where=DIRTY, sqlite_where=DIRTY)


def downgrade() -> None:
    op.drop_index("ix_feeds_dirty", table_name="feeds")
