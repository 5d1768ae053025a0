"""Reads by publication time across every feed: the articles a news sitemap may list."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.codec import load_article
from feeds.archive.tables import articles, memberships
from feeds.archive.utctype import UTCDateTime
from sources.model.article import Article

# every published article is a member of "latest": its live members are neither withdrawn
# nor embargoed, and sources no feed may carry have no memberships at all
_ALL = "latest"


def published_between(
    conn: Connection,
    since: datetime,
    until: datetime,
    *,
    limit: int,
    excluded: Collection[str] = (),
) -> list[Article]:
    """Live articles first published in [since, until], newest first (published, then id)."""
    where = [
        memberships.c.feed == _ALL,
        memberships.c.live.is_(True),
        memberships.c.published >= sa.bindparam("since", type_=UTCDateTime),
        memberships.c.published <= sa.bindparam("until", type_=UTCDateTime),
    ]
    if excluded:
        where.append(articles.c.source_id.not_in(sorted(excluded)))
    q = (
        sa.select(articles.c.data)
        .join(memberships, memberships.c.article_id == articles.c.id)
        .where(*where)
        .order_by(memberships.c.published.desc(), memberships.c.article_id.desc())
        .limit(limit)
    )
    rows = conn.execute(q, {"since": since, "until": until})
    return [load_article(r.data) for r in rows]
