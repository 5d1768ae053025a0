"""a force request per feed: `build --force` beside a live service is honoured by whoever rebuilds

Revision ID: 0009
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


# The dirty mark a `build --force` asked for; a rebuild from that mark or later skips the
# publish guard and clears it, whichever process leased the feed. NULL: nothing asked.
def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("forced_seq", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("forced_seq")
