"""What the publish guard counts: documents' last states and the members that left since."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.codec import load_article
from feeds.archive.tables import articles, documents, memberships, pruned
from sources.model.article import Article, Status

# built once: the publish guard runs it on every rebuild of every feed
_STATES = sa.select(documents.c.path, documents.c.item_count, documents.c.changed_at).where(
    documents.c.path.in_(sa.bindparam("paths", expanding=True))
)


def document_states(conn: Connection, paths: Sequence[str]) -> dict[str, tuple[int, datetime]]:
    """path -> (items, change time) of those of these documents that are stored."""
    if not paths:
        return {}
    rows = conn.execute(_STATES, {"paths": list(paths)})
    return {r.path: (int(r.item_count), r.changed_at) for r in rows}


def withdrawn_since(conn: Connection, feed: str, since: datetime) -> int:
    """How many members of a feed were withdrawn since a time."""
    q = (
        sa.select(sa.func.count())
        .select_from(memberships.join(articles, memberships.c.article_id == articles.c.id))
        .where(
            memberships.c.feed == feed,
            memberships.c.live.is_(False),
            memberships.c.left_at >= since,
            articles.c.status == Status.WITHDRAWN.value,
        )
    )
    return int(conn.execute(q).scalar() or 0)


def pruned_since(conn: Connection, since: datetime) -> int:
    """How many articles retention pruned since a time (from any feed)."""
    q = sa.select(sa.func.count()).select_from(pruned).where(pruned.c.pruned_at >= since)
    return int(conn.execute(q).scalar() or 0)


def aged_since(conn: Connection, feed: str, published_after: datetime) -> int:
    """Members retention took out of current feeds (not withdrawn) published after a time."""
    q = sa.select(sa.func.count()).where(
        memberships.c.feed == feed,
        memberships.c.live.is_(False),
        memberships.c.left_at.is_(None),
        memberships.c.published >= published_after,
    )
    return int(conn.execute(q).scalar() or 0)


def live_by_guid(
    conn: Connection, guids: Sequence[str], published_after: datetime
) -> list[Article]:
    """The live articles with these guids published after a time (what a drop would lose)."""
    if not guids:
        return []
    q = sa.select(articles.c.data).where(
        articles.c.guid.in_(list(guids)),
        articles.c.status == Status.LIVE.value,
        articles.c.published > published_after,
    )
    return [load_article(r.data) for r in conn.execute(q)]
