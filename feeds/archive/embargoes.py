"""Embargoed articles: when the next one lifts, and making it live at its time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive import history_changes
from feeds.archive.codec import dump_article, load_article
from feeds.archive.queue import mark_dirty, next_positions
from feeds.archive.tables import articles, memberships
from sources.model.article import Article, Status


def due_embargoes(conn: Connection, now: datetime) -> list[Article]:
    """Embargoed articles whose time has come."""
    q = sa.select(articles.c.data).where(
        articles.c.status == Status.EMBARGOED.value, articles.c.embargo_until <= now
    )
    return [load_article(r.data) for r in conn.execute(q)]


def next_embargo(conn: Connection) -> datetime | None:
    """When the next embargo lifts, if any."""
    q = sa.select(sa.func.min(articles.c.embargo_until)).where(
        articles.c.status == Status.EMBARGOED.value
    )
    value = conn.execute(q).scalar()
    return value if isinstance(value, datetime) else None


def publish_embargoed(conn: Connection, article: Article, *, now: datetime) -> None:
    """Turn an embargoed article live: its row, its memberships, its feeds queued."""
    conn.execute(
        articles.update()
        .where(articles.c.id == article.id)
        .values(status=article.status.value, embargo_until=None, data=dump_article(article))
    )
    conn.execute(
        memberships.update()
        .where(memberships.c.article_id == article.id)
        .values(live=True, left_at=None)
    )
    feeds = sorted(
        conn.execute(
            sa.select(memberships.c.feed).where(memberships.c.article_id == article.id)
        ).scalars()
    )
    # It arrives now: a fresh position puts it in the current documents, not on an
    # history page that closed while it waited (feeds/build/history.py)
    history_changes.note_members(conn, memberships.c.article_id == article.id)
    for feed, position in next_positions(conn, feeds).items():
        conn.execute(
            memberships.update()
            .where(memberships.c.article_id == article.id, memberships.c.feed == feed)
            .values(position=position)
        )
    mark_dirty(conn, feeds)
