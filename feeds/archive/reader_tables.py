"""The tables of who reads us (migration 0010): counts per feed × family × hour, additive."""

from __future__ import annotations

import sqlalchemy as sa

from feeds.archive.tables import metadata
from feeds.archive.utctype import UTCDateTime

# Requests per feed, consumer family and hour; every process adds its counts in (upsert +=).
reader_hits = sa.Table(
    "reader_hits",
    metadata,
    sa.Column("feed", sa.String(200), primary_key=True),
    sa.Column("family", sa.String(64), primary_key=True),
    sa.Column("hour", UTCDateTime, primary_key=True),
    sa.Column("requests", sa.BigInteger, nullable=False),
    sa.Column("ok", sa.BigInteger, nullable=False),
    sa.Column("not_modified", sa.BigInteger, nullable=False),
    sa.Column("other", sa.BigInteger, nullable=False),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Index("ix_reader_hits_hour", "hour"),
)

# The latest subscriber count a consumer reported, per feed id it gave ("" when none).
reader_subscribers = sa.Table(
    "reader_subscribers",
    metadata,
    sa.Column("feed", sa.String(200), primary_key=True),
    sa.Column("family", sa.String(64), primary_key=True),
    sa.Column("unit", sa.String(64), primary_key=True),
    sa.Column("hour", UTCDateTime, primary_key=True),
    sa.Column("subscribers", sa.BigInteger, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Index("ix_reader_subscribers_hour", "hour"),
)

# When a family first fetched the bytes of one document change (the earliest across processes).
reader_pickups = sa.Table(
    "reader_pickups",
    metadata,
    sa.Column("feed", sa.String(200), primary_key=True),
    sa.Column("family", sa.String(64), primary_key=True),
    sa.Column("changed_at", UTCDateTime, primary_key=True),
    sa.Column("first_fetch_at", UTCDateTime, nullable=False),
    sa.Index("ix_reader_pickups_changed", "changed_at"),
)
