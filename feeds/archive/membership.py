"""Feed memberships: which feeds an article is in, at which arrival position, and reads by feed.

A member's position is given once, when it joins the feed, and never changes, so history
page n (positions (n-1)*P+1 … n*P) can only lose or regain members once its range is
closed. Current documents carry `live` members; history pages list every member not
withdrawn or embargoed (`left_at` is NULL), which includes those retention aged out of
current feeds (feeds/archive/pruning.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive import history_changes
from feeds.archive.codec import load_article
from feeds.archive.queue import next_positions
from feeds.archive.tables import articles, memberships
from feeds.archive.utctype import UTCDateTime
from sources.model.article import Article, Status
from sources.model.legacy import FORMAT_ID, extra_value


def add_members(
    conn: Connection, rows: Sequence[tuple[Article, str, int]], *, now: datetime
) -> None:
    """Insert new memberships, (article, feed, position) each, at once."""
    if rows:
        conn.execute(memberships.insert(), [_member(a, f, pos, now) for a, f, pos in rows])


def _member(article: Article, feed: str, position: int, now: datetime) -> dict[str, object]:
    live = article.status is Status.LIVE
    return {
        "feed": feed,
        "article_id": article.id,
        "live": live,
        "published": article.published,
        "position": position,
        "left_at": None if live else now,
    }


def set_memberships(
    conn: Connection, article: Article, feeds: set[str], *, now: datetime
) -> set[str]:
    """Make the article a member of exactly these feeds; return feeds before ∪ after."""
    live = article.status is Status.LIVE
    rows = conn.execute(
        sa.select(memberships.c.feed, memberships.c.left_at).where(
            memberships.c.article_id == article.id
        )
    ).all()
    # listed on history pages while left_at is NULL; after this update, exactly when live
    relisted = {r.feed for r in rows if (r.left_at is None) != live}
    current = {r.feed for r in rows}
    gone = current - feeds
    touched = gone | (relisted & feeds)
    if touched:
        history_changes.note_members(
            conn, sa.and_(memberships.c.article_id == article.id, memberships.c.feed.in_(touched))
        )
    if gone:
        conn.execute(
            memberships.delete().where(
                memberships.c.article_id == article.id, memberships.c.feed.in_(gone)
            )
        )
    new = sorted(feeds - current)
    positions = next_positions(conn, new)
    if new:
        conn.execute(memberships.insert(), [_member(article, f, positions[f], now) for f in new])
    kept = feeds & current
    if kept:
        values: dict[str, object] = {"live": live, "published": article.published}
        values["left_at"] = (
            None if live else sa.func.coalesce(memberships.c.left_at, sa.literal(now, UTCDateTime))
        )
        conn.execute(
            memberships.update()
            .where(memberships.c.article_id == article.id, memberships.c.feed.in_(kept))
            .values(**values)
        )
    return current | feeds


# Built once with bind parameters: every rebuild of every feed runs these, and building a
# statement cost more than running it (profiled on the bench's scale set).
_NEWEST = (
    sa.select(articles.c.data)
    .join(memberships, memberships.c.article_id == articles.c.id)
    .where(memberships.c.feed == sa.bindparam("feed"), memberships.c.live.is_(True))
    .order_by(memberships.c.published.desc(), memberships.c.article_id.desc())
    .limit(sa.bindparam("limit"))
)


_LEFT_SINCE = (
    sa.select(articles.c.guid, memberships.c.left_at, articles.c.url, articles.c.data)
    .join(memberships, memberships.c.article_id == articles.c.id)
    .where(
        memberships.c.feed == sa.bindparam("feed"),
        memberships.c.live.is_(False),
        memberships.c.left_at.is_not(None),
        memberships.c.left_at >= sa.bindparam("since", type_=UTCDateTime),
        articles.c.status == Status.WITHDRAWN.value,
    )
    .order_by(memberships.c.left_at.desc(), articles.c.guid)
)


def newest(conn: Connection, feed: str, limit: int) -> list[Article]:
    """The newest live articles of a feed, newest first (published, then id)."""
    rows = conn.execute(_NEWEST, {"feed": feed, "limit": limit})
    return [load_article(r.data) for r in rows]


def left_since(conn: Connection, feed: str, since: datetime) -> list[tuple[str, datetime, str]]:
    """(Atom id, when, url) of articles withdrawn from a feed since a time: Atom tombstones."""
    rows = conn.execute(_LEFT_SINCE, {"feed": feed, "since": since})
    return [(_atom_id(r.guid, r.data), r.left_at, r.url) for r in rows]


def _atom_id(guid: str, data: str) -> str:
    """The id the Atom feed served the entry with: an adopted one's legacy id (rare: parsed)."""
    if '"id.atom"' not in data:
        return guid
    return extra_value(load_article(data).extra, FORMAT_ID["atom"]) or guid


def _members(feed: str, listed: bool, excluded: Collection[str]) -> list[sa.ColumnElement[bool]]:
    """Conditions for a feed's live (or, `listed`, not withdrawn) publishable members."""
    shown = memberships.c.left_at.is_(None) if listed else memberships.c.live.is_(True)
    where = [memberships.c.feed == feed, shown]
    if excluded:
        where.append(articles.c.source_id.not_in(sorted(excluded)))
    return where


def members_between(
    conn: Connection,
    feed: str,
    first: int,
    last: int | None,
    *,
    listed: bool = False,
    excluded: Collection[str] = (),
) -> list[Article]:
    """Live (or listed) articles at positions first…last (open-ended if None), newest first."""
    where = [*_members(feed, listed, excluded), memberships.c.position >= first]
    if last is not None:
        where.append(memberships.c.position <= last)
    q = (
        sa.select(articles.c.data)
        .join(memberships, memberships.c.article_id == articles.c.id)
        .where(*where)
        .order_by(memberships.c.published.desc(), memberships.c.article_id.desc())
    )
    return [load_article(r.data) for r in conn.execute(q)]


def listed_count(conn: Connection, feed: str, last: int, excluded: Collection[str] = ()) -> int:
    """How many listed (not withdrawn) members sit at positions 1…last."""
    where = [*_members(feed, True, excluded), memberships.c.position <= last]
    q = sa.select(sa.func.count()).select_from(memberships).where(*where)
    if excluded:
        q = q.join_from(memberships, articles, memberships.c.article_id == articles.c.id)
    return int(conn.execute(q).scalar() or 0)


def listed_page_counts(
    conn: Connection,
    feed: str,
    page_items: int,
    last: int,
    excluded: Collection[str] = (),
    *,
    first: int = 1,
    origin: tuple[int, int] = (1, 1),
) -> dict[int, int]:
    """Listed (not withdrawn) members per page for positions first…last, in one grouped query.

    Pages of `page_items` positions each, page origin[0] starting at position origin[1]
    (one segment of a feed's layout, feeds/build/history_layout.py).
    """
    if last < first:
        return {}
    first_page, first_position = origin
    # floor division: SQLAlchemy 2 renders `/` on integers as true division
    page = ((memberships.c.position - first_position) // page_items + first_page).label("page")
    where = [
        *_members(feed, True, excluded),
        memberships.c.position >= first,
        memberships.c.position <= last,
    ]
    q = sa.select(page, sa.func.count()).where(*where)
    if excluded:
        q = q.join_from(memberships, articles, memberships.c.article_id == articles.c.id)
    return {int(p): int(n) for p, n in conn.execute(q.group_by(page))}


def recently_withdrawn_positions(conn: Connection, feed: str, since: datetime) -> set[int]:
    """Positions of members withdrawn since a time (uses the feed/live index)."""
    q = sa.select(memberships.c.position).where(
        memberships.c.feed == feed,
        memberships.c.live.is_(False),
        memberships.c.left_at >= since,
    )
    return {int(p) for p in conn.execute(q).scalars()}
