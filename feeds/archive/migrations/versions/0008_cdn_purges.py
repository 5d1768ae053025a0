"""CDN purges queued in the archive, and WebSub pings held until their purge answered

Revision ID: 0008
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


# A hub fetches a topic as soon as it is pinged: through a CDN that still holds the old
# copy it would fan out stale bytes. A ping waits (purge_id set) until its purge is done.
def upgrade() -> None:
    op.create_table(
        "cdn_purges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("surrogate_keys", sa.Text, nullable=False),
        sa.Column("paths", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_try", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_cdn_purges_next_try", "cdn_purges", ["next_try"])
    with op.batch_alter_table("websub_pings") as batch:
        batch.add_column(sa.Column("purge_id", sa.Integer, nullable=True))
    op.create_index("ix_websub_purge", "websub_pings", ["purge_id"])


def downgrade() -> None:
    op.drop_index("ix_websub_purge", table_name="websub_pings")
    with op.batch_alter_table("websub_pings") as batch:
        batch.drop_column("purge_id")
    op.drop_index("ix_cdn_purges_next_try", table_name="cdn_purges")
    op.drop_table("cdn_purges")
