"""initial schema

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_keys",
        sa.Column("key", sa.String(length=700), nullable=False),
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("article_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_keys_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "articles",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("guid", sa.String(length=300), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("embargo_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw_hash", sa.String(length=64), nullable=False),
        sa.Column("normalizer_version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guid"),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index("ix_articles_embargo", ["status", "embargo_until"], unique=False)
        batch_op.create_index("ix_articles_published", ["published"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("article_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "documents",
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("feed", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("gzip", sa.LargeBinary(), nullable=False),
        sa.Column("br", sa.LargeBinary(), nullable=True),
        sa.Column("etag", sa.String(length=100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("path"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_feed"), ["feed"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_generation"), ["generation"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "feeds",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("next_position", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("dirty_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("built_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "memberships",
        sa.Column("feed", sa.String(length=200), nullable=False),
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("feed", "article_id"),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index("ix_memberships_article", ["article_id"], unique=False)
        batch_op.create_index(
            "ix_memberships_feed_live_published",
            ["feed", "live", "published", "article_id"],
            unique=False,
        )
        batch_op.create_index("ix_memberships_feed_position", ["feed", "position"], unique=False)

    op.create_table(
        "pruned",
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.Column("guid", sa.String(length=300), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("raw_hash", sa.String(length=64), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("article_id"),
    )
    op.create_table(
        "source_state",
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("last_attempt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("redirect_target", sa.Text(), nullable=True),
        sa.Column("redirect_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("gone_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("memo", sa.Text(), server_default="{}", nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source_id"),
    )
    op.create_table(
        "websub_pings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hub", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_try", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("websub_pings", schema=None) as batch_op:
        batch_op.create_index("ix_websub_next_try", ["next_try"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("websub_pings", schema=None) as batch_op:
        batch_op.drop_index("ix_websub_next_try")

    op.drop_table("websub_pings")
    op.drop_table("source_state")
    op.drop_table("pruned")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_memberships_feed_position")
        batch_op.drop_index("ix_memberships_feed_live_published")
        batch_op.drop_index("ix_memberships_article")

    op.drop_table("memberships")
    op.drop_table("feeds")
    op.drop_table("events")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_generation"))
        batch_op.drop_index(batch_op.f("ix_documents_feed"))

    op.drop_table("documents")
    op.drop_table("counters")
    op.drop_table("audit_log")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_published")
        batch_op.drop_index("ix_articles_embargo")

    op.drop_table("articles")
    with op.batch_alter_table("article_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_keys_article_id"))

    op.drop_table("article_keys")
