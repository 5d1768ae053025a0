"""Archive positions whose listing changed since a feed's last build, and that build's summary.

Every write that can change which members a closed history page lists (a withdrawal or a
restoration, a member moved to other feeds, an embargoed member re-positioned, a prune)
notes the positions here in its own transaction. A rebuild then re-renders only the pages
holding those positions plus the pages published since its last build, instead of listing
every stored page and counting every member (which grew with the archive). The summary in
the feeds row says how many pages the last build published and with which settings; when
it is missing or the settings differ, the rebuild checks every page once (feeds/build/compose.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds.archive.tables import feeds, memberships, page_changes


@dataclass(frozen=True, slots=True)
class Pending:
    """The changes a rebuild saw: their ids (to consume) and positions (to re-render)."""

    ids: tuple[int, ...]
    positions: frozenset[int]


def note_members(conn: Connection, where: sa.ColumnElement[bool]) -> None:
    """Note the (feed, position) of every membership matching `where`, before it changes."""
    chosen = sa.select(memberships.c.feed, memberships.c.position).where(where)
    conn.execute(page_changes.insert().from_select(["feed", "position"], chosen))


# built once: every rebuild of every feed asks
_PENDING = sa.select(page_changes.c.id, page_changes.c.position).where(
    page_changes.c.feed == sa.bindparam("feed")
)


def pending(conn: Connection, feed: str) -> Pending:
    """The changes noted for a feed and not yet consumed by a build."""
    rows = conn.execute(_PENDING, {"feed": feed}).all()
    return Pending(tuple(int(r.id) for r in rows), frozenset(int(r.position) for r in rows))


@dataclass(frozen=True, slots=True)
class Built:
    """What a feed's last build published: its pages, their settings and their layout."""

    pages: int
    shape: str  # formats and excluded sources (feeds/build/compose.py)
    layout: str | None  # feeds/build/history_layout.py; None before migration 0005


def summary(conn: Connection, feed: str) -> Built | None:
    """The summary of the feed's last build, if recorded."""
    row = conn.execute(
        sa.select(feeds.c.archive_pages, feeds.c.archive_shape, feeds.c.archive_layout).where(
            feeds.c.name == feed
        )
    ).first()
    if row is None or row.archive_pages is None or row.archive_shape is None:
        return None
    return Built(int(row.archive_pages), str(row.archive_shape), row.archive_layout)


def stored_layout(conn: Connection, feed: str) -> str | None:
    """The feed's page layout as last stored (feeds/build/history_layout.py), if any."""
    q = sa.select(feeds.c.archive_layout).where(feeds.c.name == feed)
    value = conn.execute(q).scalar()
    return str(value) if value is not None else None


def record_built(conn: Connection, feed: str, built: Built | None, seen: Pending) -> None:
    """After a build is stored: its summary (None for feeds without pages), changes consumed.

    Only the changes this build saw are deleted: one noted by a writer that committed after
    it looked stays for the next build (that writer also marked the feed dirty).
    """
    if built is not None:
        conn.execute(
            feeds.update()
            .where(feeds.c.name == feed)
            .values(
                archive_pages=built.pages, archive_shape=built.shape, archive_layout=built.layout
            )
        )
    if seen.ids:
        conn.execute(page_changes.delete().where(page_changes.c.id.in_(seen.ids)))


NONE_SEEN = Pending((), frozenset())
