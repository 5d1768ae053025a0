"""archive page layout per feed: a new page size applies only to pages published after it

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Before this, a new archive_page_items re-cut every page (RFC 5005 §4: an archive page's
# content never changes) and left the old higher-numbered pages served. NULL: the layout
# is read from the page size in archive_shape, which every page was last built with.
def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("archive_layout", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("archive_layout")
