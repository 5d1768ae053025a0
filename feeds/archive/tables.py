"""The archive's tables (SQLAlchemy Core); migrations under feeds/archive/migrations create them."""

from __future__ import annotations

import sqlalchemy as sa

from feeds.archive.utctype import UTCDateTime

metadata = sa.MetaData()

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("guid", sa.String(300), nullable=False, unique=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("source_id", sa.String(100), nullable=False),
    sa.Column("section", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column("updated", UTCDateTime, nullable=False),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("embargo_until", UTCDateTime, nullable=True),
    sa.Column("raw_hash", sa.String(64), nullable=False),
    sa.Column("normalizer_version", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),  # the Article as JSON
    sa.Column("raw", sa.Text, nullable=False),  # the RawItem as JSON, for reprocessing
    sa.Index("ix_articles_embargo", "status", "embargo_until"),
    sa.Index("ix_articles_published", "published"),
)

# Every identity key (upstream id, canonical URL, stable id) that names an article.
article_keys = sa.Table(
    "article_keys",
    metadata,
    sa.Column("key", sa.String(700), primary_key=True),
    sa.Column("article_id", sa.String(64), nullable=False, index=True),
)

# Which feed an article is in; position is its feed-local arrival order (RFC 5005 pages).
memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("feed", sa.String(200), primary_key=True),
    sa.Column("article_id", sa.String(64), primary_key=True),
    sa.Column("live", sa.Boolean, nullable=False),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("left_at", UTCDateTime, nullable=True),  # when it was withdrawn (tombstones)
    sa.Index("ix_memberships_feed_live_published", "feed", "live", "published", "article_id"),
    sa.Index("ix_memberships_feed_position", "feed", "position"),
    # history pages count listed (left_at IS NULL) members by position from the index alone
    sa.Index("ix_memberships_feed_left_position", "feed", "left_at", "position"),
    sa.Index("ix_memberships_article", "article_id"),
)

# One row per logical feed: arrival counter, rebuild queue flag, lease.
feeds = sa.Table(
    "feeds",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("next_position", sa.BigInteger, nullable=False, server_default="1"),
    # dirty while dirty_seq > built_seq: marks that arrive during a rebuild earn one more run
    sa.Column("dirty_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("built_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("lease_owner", sa.String(100), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    # the dirty mark a `build --force` asked for (0009), cleared by the rebuild that honours it
    sa.Column("forced_seq", sa.BigInteger, nullable=True),
    # history pages published at the last build, and the settings they were built with
    # (page size, formats, excluded sources): with page_changes, a rebuild of an archived
    # feed touches only new and changed pages instead of checking every page (0004)
    sa.Column("archive_pages", sa.BigInteger, nullable=True),
    sa.Column("archive_shape", sa.Text, nullable=True),
    # which positions each page covers (feeds/build/history_layout.py): a page, once published,
    # keeps its range whatever archive_page_items says later (0005)
    sa.Column("archive_layout", sa.Text, nullable=True),
    # partial: only dirty rows, so claim_dirty and pending() never read every feed (0002)
    sa.Index(
        "ix_feeds_dirty",
        "name",
        postgresql_where=sa.text("dirty_seq > built_seq"),
        sqlite_where=sa.text("dirty_seq > built_seq"),
    ),
)

# Positions whose listing changed (a member withdrawn, restored, moved away, re-positioned
# or pruned) since the feed's last build: the history pages a rebuild must re-render (0004).
page_changes = sa.Table(
    "page_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed", sa.String(200), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Index("ix_page_changes_feed", "feed", "id"),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("path", sa.String(300), primary_key=True),
    sa.Column("feed", sa.String(200), nullable=False, index=True),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("gzip", sa.LargeBinary, nullable=False),
    sa.Column("br", sa.LargeBinary, nullable=True),
    sa.Column("etag", sa.String(100), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("item_count", sa.Integer, nullable=False),
    sa.Column("generation", sa.BigInteger, nullable=False, index=True),
    # Covering indexes: the rebuild's "did the bytes change?" and page checks read only
    # these columns, and must not walk past the blobs stored in the same row.
    sa.Index("ix_documents_path_etag", "path", "etag", "item_count"),
    sa.Index("ix_documents_feed_path_items", "feed", "path", "item_count"),
)

source_state = sa.Table(
    "source_state",
    metadata,
    sa.Column("source_id", sa.String(100), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("etag", sa.Text, nullable=True),
    sa.Column("last_modified", sa.Text, nullable=True),
    sa.Column("last_attempt", UTCDateTime, nullable=True),
    sa.Column("last_success", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_due", UTCDateTime, nullable=True),
    sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("redirect_target", sa.Text, nullable=True),
    sa.Column("redirect_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("gone_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("memo", sa.Text, nullable=False, server_default="{}"),
    sa.Column("lease_owner", sa.String(100), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
)

websub_pings = sa.Table(
    "websub_pings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("hub", sa.Text, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_try", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("lease_owner", sa.String(100), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    # set while the ping waits for that CDN purge (migration 0008)
    sa.Column("purge_id", sa.Integer, nullable=True),
    sa.Index("ix_websub_next_try", "next_try"),
    sa.Index("ix_websub_purge", "purge_id"),
)

cdn_purges = sa.Table(
    "cdn_purges",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("surrogate_keys", sa.Text, nullable=False),  # space-separated surrogate keys
    sa.Column("paths", sa.Text, nullable=False),  # newline-separated document paths
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_try", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("lease_owner", sa.String(100), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Index("ix_cdn_purges_next_try", "next_try"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("article_id", sa.String(64), nullable=True),
    sa.Column("detail", sa.Text, nullable=True),
)

# A marker of every pruned article, kept forever, so an old story polled again stays old.
pruned = sa.Table(
    "pruned",
    metadata,
    sa.Column("article_id", sa.String(64), primary_key=True),
    sa.Column("guid", sa.String(300), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("raw_hash", sa.String(64), nullable=False),
    sa.Column("pruned_at", UTCDateTime, nullable=False),
)

# Publish-guard refusals and other events an operator should see on /status.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
)

# A publisher's existing feed items (`adopt`): the id each format served, kept forever (0006).
legacy_items = sa.Table(
    "legacy_items",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # of feed URL, format, id and partner
    sa.Column("feed_url", sa.Text, nullable=False),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("legacy_id", sa.Text, nullable=False),
    sa.Column("is_permalink", sa.Boolean, nullable=True),  # RSS: isPermaLink as served
    sa.Column("link", sa.Text, nullable=True),
    sa.Column("shortlink", sa.Text, nullable=True),
    sa.Column("published", UTCDateTime, nullable=True),
    sa.Column("updated", UTCDateTime, nullable=True),
    sa.Column("partner", sa.String(100), nullable=False, server_default=""),
    sa.Column("adopted_at", UTCDateTime, nullable=False),
)

# The identity keys (as article_keys spells them) an arriving article may match an item by.
legacy_keys = sa.Table(
    "legacy_keys",
    metadata,
    sa.Column("key", sa.String(700), primary_key=True),
    sa.Column("item_id", sa.String(64), primary_key=True),
)
