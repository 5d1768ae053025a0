"""covering indexes for the rebuild's ETag, archive-page and member-count checks

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


# The checks read (path, etag, item_count) or (feed, path, item_count) of many documents;
# without covering indexes SQLite walks each row's body, gzip and br blobs to reach them.
def upgrade() -> None:
    op.create_index("ix_documents_path_etag", "documents", ["path", "etag", "item_count"])
    op.create_index("ix_documents_feed_path_items", "documents", ["feed", "path", "item_count"])
    op.create_index(
        "ix_memberships_feed_left_position", "memberships", ["feed", "left_at", "position"]
    )


def downgrade() -> None:
    op.drop_index("ix_memberships_feed_left_position", table_name="memberships")
    op.drop_index("ix_documents_feed_path_items", table_name="documents")
    op.drop_index("ix_documents_path_etag", table_name="documents")
