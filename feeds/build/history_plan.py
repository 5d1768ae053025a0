"""Which history pages a rebuild renders, in the layout their feed publishes them in.

Pages keep the positions they were published with (feeds/build/history_layout.py); only pages not
yet published take today's `archive_page_items`. Links and the current document follow
from the layout: feeds/build/history.py and feeds/build/compose.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from feeds.archive import documents, history_changes, membership, queue
from feeds.build import history
from feeds.build.history_layout import Layout
from feeds.catalog import FeedMeta
from feeds.site import Site


@dataclass(frozen=True, slots=True)
class PagePlan:
    """A feed's pages now: their layout and count, those to render, and the summary to store."""

    layout: Layout
    pages: int
    stale: list[int]
    moved: int  # listed members moving from the current document onto new pages
    built: history_changes.Built


def archive_shape(site: Site) -> str:
    """The settings that decide what every page lists (not its size: pages keep theirs)."""
    return f"{','.join(site.formats)}|{','.join(sorted(site.excluded_sources))}"


def plan(
    conn: Connection, site: Site, meta: FeedMeta, seen: history_changes.Pending, now: datetime
) -> PagePlan:
    """Lay out a feed's history pages and find the stale ones (nothing is written)."""
    feed = meta.key.name
    last = history_changes.summary(conn, feed)
    layout = _layout(conn, meta, last, site.archive_page_items)
    pages = layout.pages(queue.last_position(conn, feed), site.items)
    shape = archive_shape(site)
    if last is not None and last.shape == shape and last.pages <= pages:
        stale, moved = _since_last_build(conn, site, feed, layout, pages, last.pages, seen)
    else:
        stale, moved = _every_page(conn, site, meta, layout, pages, now)
    return PagePlan(layout, pages, stale, moved, history_changes.Built(pages, shape, layout.dump()))


def _layout(
    conn: Connection, meta: FeedMeta, last: history_changes.Built | None, size: int
) -> Layout:
    """The layout pages were published in, pages still to come at today's size."""
    text = last.layout if last is not None else history_changes.stored_layout(conn, meta.key.name)
    if text is not None:
        kept = Layout.load(text)
    elif last is not None:  # before 0005 the shape began with the size of every page
        head = last.shape.split("|", 1)[0]
        kept = Layout.uniform(int(head) if head.isdigit() else size)
    else:
        return Layout.uniform(size)
    return kept.with_size(size, last.pages if last is not None else _highest_stored(conn, meta))


def _highest_stored(conn: Connection, meta: FeedMeta) -> int:
    """The newest page stored (without a summary, the pages published are those stored)."""
    return max(documents.stored_pages(conn, meta.key.name, meta.key.stem), default=0)


def _since_last_build(
    conn: Connection,
    site: Site,
    feed: str,
    layout: Layout,
    pages: int,
    built: int,
    seen: history_changes.Pending,
) -> tuple[list[int], int]:
    """Pages holding a noted change, pages published since, and the previous newest.

    A cost that does not grow with the archive (feeds/archive/history_changes.py).
    """
    todo = {layout.page_of(p) for p in seen.positions}
    todo = {n for n in todo if 1 <= n <= pages} | set(range(built + 1, pages + 1))
    if 0 < built < pages:
        todo.add(built)  # it gains a next-archive link
    fresh = listed_counts(conn, feed, layout, built + 1, pages, site.excluded_sources)
    return sorted(todo), sum(fresh.values())


def _every_page(
    conn: Connection, site: Site, meta: FeedMeta, layout: Layout, pages: int, now: datetime
) -> tuple[list[int], int]:
    """Without a usable summary, every stored page is checked against a count of its members."""
    feed, excluded = meta.key.name, site.excluded_sources
    stored = documents.stored_pages(conn, feed, meta.key.stem)
    listed = _trusted_counts(conn, feed, layout, pages, stored, excluded)
    since = now - history.RECHECK_WINDOW
    withdrawn = {
        layout.page_of(p) for p in membership.recently_withdrawn_positions(conn, feed, since)
    }
    stale = history.pages_to_render(pages, listed, stored, len(site.formats), withdrawn)
    return stale, history.moved_to_pages(pages, stored, listed)


def listed_counts(
    conn: Connection,
    feed: str,
    layout: Layout,
    first_page: int,
    last_page: int,
    excluded: Collection[str],
) -> dict[int, int]:
    """Listed members per page for pages first…last, one grouped query per segment."""
    counts: dict[int, int] = {}
    for seg, first, last in layout.spans(first_page, last_page):
        origin = (seg.first_page, seg.first_position)
        counts.update(
            membership.listed_page_counts(
                conn, feed, seg.size, last, excluded, first=first, origin=origin
            )
        )
    return counts


def _trusted_counts(
    conn: Connection,
    feed: str,
    layout: Layout,
    pages: int,
    stored: Mapping[int, tuple[int, int]],
    excluded: Collection[str],
) -> dict[int, int]:
    """Listed members per page; stored pages' counts are trusted while their total matches.

    One COUNT over the stored pages' positions replaces a grouped count of every page on
    each rebuild; only when it disagrees (a member left a closed page) are pages counted.
    """
    closed = max((n for n in stored if n <= pages), default=0)
    if closed and all(n in stored for n in range(1, closed + 1)):
        expected = sum(stored[n][1] for n in range(1, closed + 1))
        if membership.listed_count(conn, feed, layout.end_of(closed), excluded) == expected:
            counts = {n: stored[n][1] for n in range(1, closed + 1)}
            counts.update(listed_counts(conn, feed, layout, closed + 1, pages, excluded))
            return counts
    return listed_counts(conn, feed, layout, 1, pages, excluded)
