"""What a feed's documents are now: its current documents and stale history pages, rendered.

Nothing here writes: feeds/build/publish.py stores what changed. History pages and their links:
feeds/build/history.py.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import brotli
from sqlalchemy.engine import Connection

from feeds.build import history
from feeds.archive import documents as docs
from feeds.archive import history_changes
from feeds.build.drafts import render_docs, stored_if_empty
from feeds.catalog import FeedMeta
from feeds.render import Tombstone
from feeds.site import Site, meta_for
from sources.model.article import Article
from sources.model.rights import as_published
from feeds.archive import documents, history_changes, membership, queue





def publishable(article: Article, site: Site) -> Article | None:
    """Apply the source's redistribution rights; None when no feed may carry it."""
    rights, images = site.rights.get(article.source_id, ("full", True))
    return as_published(article, rights, images)


def _allowed(articles: Sequence[Article], site: Site) -> list[Article]:
    """The articles rights let a feed carry, as they may be carried."""
    return [p for p in (publishable(a, site) for a in articles) if p is not None]


@dataclass(frozen=True, slots=True)
class Rendered:
    """One feed's freshly rendered documents, and what the publish guard needs to know."""

    feed: str
    current: list[docs.Document]
    stale: list[int]  # history pages to render, a few at a time (render_pages)
    available: int  # articles the current documents were offered
    explained: int  # left the current documents for rights or onto new history pages
    seen: history_changes.Pending = history_changes.NONE_SEEN
    built: tuple[int, str] | None = None  # (pages, settings shape) once stored




def render_feed(conn: Connection, site: Site, feed: str, now: datetime) -> Rendered:
    """Render a feed's current documents and the history pages that need it (nothing stored)."""
    meta = meta_for(site, feed)
    seen = history_changes.pending(conn, feed)
    since = now - timedelta(days=site.tombstone_days)
    deleted = [
        Tombstone(guid=g, when=w, url=u) for g, w, u in membership.left_since(conn, feed, since)
    ]
    if history.has_history(meta.key):
        return _render_with_history(conn, site, meta, now, deleted, seen)
    found = membership.newest(conn, feed, site.items)
    articles = _allowed(found, site)
    current = render_docs(
        site, meta, articles, now, deleted, stored_if_empty(conn, site, meta, articles)
    )
    return Rendered(feed, current, [], len(articles), len(found) - len(articles), seen)


def _render_with_history(
    conn: Connection,
    site: Site,
    meta: FeedMeta,
    now: datetime,
    deleted: list[Tombstone],
    seen: history_changes.Pending,
) -> Rendered:
    """Current documents plus stale history pages of a feed with RFC 5005 history pages."""
    feed, size = meta.key.name, site.archive_page_items
    pages = history.history_pages(queue.last_position(conn, feed), site.items, size)
    first_current = pages * size + 1
    found = membership.members_between(conn, feed, first_current, None)
    articles = _allowed(found, site)
    subscribed = history.subscription_meta(meta, pages)
    stored = stored_if_empty(conn, site, meta, articles)
    current = render_docs(site, subscribed, articles, now, deleted, stored)
    shape = _history_shape(site)
    stale, moved = _stale_pages(conn, site, meta, pages, SinceLast(shape, seen, now))
    explained = len(found) - len(articles) + moved
    return Rendered(feed, current, stale, len(articles), explained, seen, (pages, shape))


def render_pages(
    conn: Connection, site: Site, feed: str, numbers: Iterable[int], pages: int, now: datetime
) -> list[docs.Document]:
    """Every format of some history pages of a feed that has `pages` of them."""
    meta, size, excluded = meta_for(site, feed), site.archive_page_items, site.excluded_sources
    out: list[docs.Document] = []
    for n in numbers:
        first, last = history.page_bounds(n, size)
        found = membership.members_between(
            conn, feed, first, last, listed=True, excluded=excluded
        )
        out += render_docs(site, history.page_meta(meta, n, pages), _allowed(found, site), now)
    return out


def _history_shape(site: Site) -> str:
    """The settings that decide which pages exist and what they list, as one string."""
    excluded = ",".join(sorted(site.excluded_sources))
    return f"{site.archive_page_items}|{','.join(site.formats)}|{excluded}"


@dataclass(frozen=True, slots=True)
class SinceLast:
    """What a rebuild knows about the feed's last build: its settings, changes noted since."""

    shape: str  # the settings the pages are built with (_history_shape)
    seen: history_changes.Pending
    now: datetime


def _stale_pages(
    conn: Connection,
    site: Site,
    meta: FeedMeta,
    pages: int,
    since_last: SinceLast,
) -> tuple[list[int], int]:
    """(pages to render, members moving onto newly published pages).

    With the last build's summary and the same settings, only pages holding a noted change
    and pages published since then (and the previous newest, which gains a next-archive
    link) are stale: a cost that does not grow with the archive. Without it, every stored
    page is checked against a count of its members.
    """
    feed, size, excluded = meta.key.name, site.archive_page_items, site.excluded_sources
    shape, seen, now = since_last.shape, since_last.seen, since_last.now
    last = history_changes.summary(conn, feed)
    if last is not None and last[1] == shape and last[0] <= pages:
        built = last[0]
        todo = {(p - 1) // size + 1 for p in seen.positions}
        todo = {n for n in todo if 1 <= n <= pages} | set(range(built + 1, pages + 1))
        if 0 < built < pages:
            todo.add(built)
        fresh = membership.listed_page_counts(
            conn, feed, size, pages * size, excluded, first=built * size + 1
        )
        return sorted(todo), sum(fresh.values())
    stored = documents.stored_pages(conn, feed, meta.key.stem)
    listed = _listed_counts(conn, feed, size, pages, stored, excluded)
    withdrawn = membership.recently_withdrawn_pages(
        conn, feed, size, now - history.RECHECK_WINDOW
    )
    stale = history.pages_to_render(pages, listed, stored, len(site.formats), withdrawn)
    return stale, history.moved_to_pages(pages, stored, listed)


def _listed_counts(
    conn: Connection,
    feed: str,
    size: int,
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
        if membership.listed_count(conn, feed, closed * size, excluded) == expected:
            counts = {n: stored[n][1] for n in range(1, closed + 1)}
            counts.update(
                membership.listed_page_counts(
                    conn, feed, size, pages * size, excluded, first=closed * size + 1
                )
            )
            return counts
    return membership.listed_page_counts(conn, feed, size, pages * size, excluded)
