"""Retention: age articles out of current feeds, prune old ones, keep a marker of each.

An aged-out membership has `live` false and no `left_at` (a withdrawal or an embargo sets
`left_at`), so history pages can still list it while current feeds do not. A pruned
article loses its row and memberships but keeps its identity keys and a `pruned` marker
forever, so the same story polled again is recognized as old, not published as new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive import history_changes
from feeds.archive.queue import mark_dirty, serialize_writers
from feeds.archive.tables import articles, memberships, pruned
from feeds.archive.upsert import insert_ignore


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one pruning batch removed."""

    articles: int
    feeds: frozenset[str]


def _old(cutoff: datetime) -> sa.ColumnElement[bool]:
    # old = published AND first seen before the cutoff: a backlog imported today of
    # last year's stories still gets its full stay, as does a story published today
    return sa.and_(articles.c.published < cutoff, articles.c.first_seen < cutoff)


def _aged(cutoff: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        memberships.c.live.is_(True),
        memberships.c.left_at.is_(None),
        memberships.c.published < cutoff,
        memberships.c.article_id.in_(sa.select(articles.c.id).where(_old(cutoff))),
    )


def count_aged(conn: Connection, cutoff: datetime) -> int:
    """How many live memberships are older than the current-feed cutoff."""
    q = sa.select(sa.func.count()).select_from(memberships).where(_aged(cutoff))
    return int(conn.execute(q).scalar() or 0)


def expire_current(conn: Connection, cutoff: datetime) -> frozenset[str]:
    """Take articles older than `cutoff` out of current feeds; return the feeds."""
    serialize_writers(conn)
    feeds = frozenset(
        conn.execute(sa.select(memberships.c.feed).where(_aged(cutoff)).distinct()).scalars()
    )
    if feeds:
        conn.execute(memberships.update().where(_aged(cutoff)).values(live=False))
        mark_dirty(conn, feeds)
    return feeds


def prunable(conn: Connection, cutoff: datetime, limit: int) -> list[str]:
    """Ids of up to `limit` articles older than `cutoff`, oldest first."""
    q = (
        sa.select(articles.c.id)
        .where(_old(cutoff))
        .order_by(articles.c.published, articles.c.id)
        .limit(limit)
    )
    return list(conn.execute(q).scalars())


def count_prunable(conn: Connection, cutoff: datetime) -> int:
    """How many articles are older than the archive cutoff."""
    q = sa.select(sa.func.count()).select_from(articles).where(_old(cutoff))
    return int(conn.execute(q).scalar() or 0)


def prune(conn: Connection, ids: Sequence[str], now: datetime) -> Pruned:
    """Replace these articles by markers: row and memberships go, identity keys stay."""
    if not ids:
        return Pruned(0, frozenset())
    serialize_writers(conn)
    rows = conn.execute(
        sa.select(articles.c.id, articles.c.guid, articles.c.url, articles.c.raw_hash).where(
            articles.c.id.in_(ids)
        )
    ).all()
    markers = [
        {"article_id": r.id, "guid": r.guid, "url": r.url, "raw_hash": r.raw_hash, "pruned_at": now}
        for r in rows
    ]
    insert_ignore(conn, pruned, markers)
    member = memberships.c.article_id.in_(ids)
    feeds = frozenset(conn.execute(sa.select(memberships.c.feed).where(member)).scalars())
    history_changes.note_members(conn, member)  # the history pages that listed them
    conn.execute(memberships.delete().where(member))
    conn.execute(articles.delete().where(articles.c.id.in_(ids)))
    mark_dirty(conn, feeds)  # history pages that listed them change
    return Pruned(len(rows), feeds)
