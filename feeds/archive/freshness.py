"""Per-source freshness for /status: the newest article and the articles first seen per hour."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import articles


def newest_by_source(conn: Connection) -> dict[str, datetime]:
    """The newest publication time among each source's articles."""
    q = sa.select(articles.c.source_id, sa.func.max(articles.c.published)).group_by(
        articles.c.source_id
    )
    return {sid: when for sid, when in conn.execute(q) if when is not None}


def seen_per_hour(conn: Connection, until: datetime, hours: int = 24) -> dict[str, list[int]]:
    """Articles first seen in each of the last `hours` hours before `until`, oldest hour first."""
    since = until - timedelta(hours=hours)
    q = sa.select(articles.c.source_id, articles.c.first_seen).where(
        articles.c.first_seen > since, articles.c.first_seen <= until
    )
    counts: dict[str, list[int]] = {}
    for sid, seen in conn.execute(q):
        # hour i is (since + i h, since + i + 1 h]: one seen exactly at `until` is in the last
        slot = math.ceil((seen - since) / timedelta(hours=1)) - 1
        counts.setdefault(sid, [0] * hours)[slot] += 1
    return counts
