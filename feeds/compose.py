"""What a feed's documents are now: its current documents and stale archive pages, rendered.

Nothing here writes: feeds/publish.py stores what changed. Archive pages and their links:
feeds/history.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from feeds import history, page_plan
from feeds.archive import articles as archived
from feeds.archive import documents as docs
from feeds.archive import page_changes
from feeds.archive import pages as archive_pages
from feeds.catalog import FeedMeta
from feeds.drafts import render_docs, stored_if_empty
from feeds.page_layout import Layout
from feeds.render import Tombstone
from feeds.site import Site, meta_for
from sources.article import Article

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def publishable(article: Article, site: Site) -> Article | None:
    """Apply the source's redistribution rights; None when no feed may carry it."""
    rights, images = site.rights.get(article.source_id, ("full", True))
    if rights == "exclude":
        return None
    if rights == "summary":
        article = dataclasses.replace(article, content=None)
    elif rights == "link":  # the title and the link, nothing of the story: not its photo either
        article = dataclasses.replace(article, content=None, summary="", image=None)
    if not images:
        content = _IMG.sub("", article.content) if article.content else None
        article = dataclasses.replace(article, image=None, content=content)
    return article


def _allowed(articles: Sequence[Article], site: Site) -> list[Article]:
    """The articles rights let a feed carry, as they may be carried."""
    return [p for p in (publishable(a, site) for a in articles) if p is not None]


@dataclass(frozen=True, slots=True)
class Rendered:
    """One feed's freshly rendered documents, and what the publish guard needs to know."""

    feed: str
    current: list[docs.Document]
    stale: list[int]  # archive pages to render, a few at a time (render_pages)
    available: int  # articles the current documents were offered
    explained: int  # left the current documents for rights or onto new archive pages
    seen: page_changes.Pending = page_changes.NONE_SEEN
    built: page_changes.Built | None = None  # the summary to store with the documents


def render_feed(conn: Connection, site: Site, feed: str, now: datetime) -> Rendered:
    """Render a feed's current documents and the archive pages that need it (nothing stored)."""
    meta = meta_for(site, feed)
    seen = page_changes.pending(conn, feed)
    since = now - timedelta(days=site.tombstone_days)
    deleted = [
        Tombstone(guid=g, when=w, url=u) for g, w, u in archived.left_since(conn, feed, since)
    ]
    if history.is_archived(meta.key):
        return _render_archived(conn, site, meta, now, deleted, seen)
    found = archived.newest(conn, feed, site.items)
    articles = _allowed(found, site)
    current = render_docs(
        site, meta, articles, now, deleted, stored_if_empty(conn, site, meta, articles)
    )
    return Rendered(feed, current, [], len(articles), len(found) - len(articles), seen)


def _render_archived(
    conn: Connection,
    site: Site,
    meta: FeedMeta,
    now: datetime,
    deleted: list[Tombstone],
    seen: page_changes.Pending,
) -> Rendered:
    """Current documents plus stale archive pages of a feed with RFC 5005 archives."""
    feed = meta.key.name
    pages = page_plan.plan(conn, site, meta, seen, now)
    first_current = pages.layout.end_of(pages.pages) + 1
    found = archive_pages.members_between(conn, feed, first_current, None)
    articles = _allowed(found, site)
    subscribed = history.subscription_meta(meta, pages.pages)
    stored = stored_if_empty(conn, site, meta, articles)
    current = render_docs(site, subscribed, articles, now, deleted, stored)
    explained = len(found) - len(articles) + pages.moved
    return Rendered(feed, current, pages.stale, len(articles), explained, seen, pages.built)


def render_pages(
    conn: Connection,
    site: Site,
    feed: str,
    numbers: Iterable[int],
    built: page_changes.Built,
    now: datetime,
) -> list[docs.Document]:
    """Every format of some archive pages of a feed, as its build `built` lays them out."""
    meta, excluded = meta_for(site, feed), site.excluded_sources
    layout = Layout.load(built.layout) if built.layout else Layout.uniform(site.archive_page_items)
    out: list[docs.Document] = []
    for n in numbers:
        first, last = layout.bounds(n)
        found = archive_pages.members_between(
            conn, feed, first, last, listed=True, excluded=excluded
        )
        out += render_docs(
            site, history.page_meta(meta, n, built.pages), _allowed(found, site), now
        )
    return out
