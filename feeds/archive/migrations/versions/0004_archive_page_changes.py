"""page changes and a per-feed archive summary: rebuilds touch only new and changed pages

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# Before this, every rebuild of an archived feed listed every stored page and counted every
# member of its closed pages, so a push took longer the bigger the archive (bench: push-scale).
def upgrade() -> None:
    op.create_table(
        "page_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("feed", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_page_changes_feed", "page_changes", ["feed", "id"])
    # NULL summary: the next rebuild of each feed checks every page once, as before
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("archive_pages", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("archive_shape", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("archive_shape")
        batch.drop_column("archive_pages")
    op.drop_index("ix_page_changes_feed", table_name="page_changes")
    op.drop_table("page_changes")
