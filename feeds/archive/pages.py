"""RFC 5005 archive pages: members by feed-local arrival position, and the pages stored.

A member's position is given once, when it joins the feed, and never changes, so page n
(positions (n-1)*P+1 … n*P) can only lose or regain members once its range is closed.
Current documents carry `live` members; archive pages list every member not withdrawn or
embargoed (`left_at` is NULL), which includes those retention aged out of current feeds
(feeds/archive/retention.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.codec import load_article
from feeds.schema import articles, documents, feeds, memberships, pruned
from sources.article import Article, Status

_PAGE = re.compile(r"/archive/([1-9][0-9]*)\.[a-z]+$")


def last_position(conn: Connection, feed: str) -> int:
    """The highest arrival position ever given in a feed (0 when none)."""
    value = conn.execute(sa.select(feeds.c.next_position).where(feeds.c.name == feed)).scalar()
    return int(value) - 1 if value is not None else 0


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
    (one segment of a feed's layout, feeds/page_layout.py).
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


def stored_pages(conn: Connection, feed: str, stem: str) -> dict[int, tuple[int, int]]:
    """page -> (formats stored, fewest items in any of them) of a feed's stored pages."""
    q = sa.select(documents.c.path, documents.c.item_count).where(
        documents.c.feed == feed, documents.c.path.like(f"{stem}/archive/%")
    )
    out: dict[int, tuple[int, int]] = {}
    for path, items in conn.execute(q):
        m = _PAGE.search(path)
        if m is None:
            continue
        n = int(m.group(1))
        formats, fewest = out.get(n, (0, items))
        out[n] = (formats + 1, min(fewest, items))
    return out


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
