"""What a feed's documents are now: its current documents and stale history pages, rendered.

Nothing here writes: feeds/build/publish.py stores what changed. History pages and their
links: feeds/build/history.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from feeds.archive import documents as docs
from feeds.archive import history_changes, membership
from feeds.build import history, history_plan
from feeds.build.drafts import render_docs, stored_if_empty
from feeds.build.history_layout import Layout
from feeds.catalog import FeedMeta
from feeds.render import Tombstone
from feeds.site import Site, meta_for
from sources.model.article import Article
from sources.model.rights import as_published


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
    built: history_changes.Built | None = None  # the summary to store with the documents


def render_feed(
    conn: Connection, site: Site, feed: str, now: datetime, held: Sequence[Article] = ()
) -> Rendered:
    """Render a feed's current documents and the history pages that need it (nothing stored).

    `held`: articles kept in the current documents although the feed lost them (the
    publish guard holding back a drop it cannot explain).
    """
    meta = meta_for(site, feed)
    seen = history_changes.pending(conn, feed)
    since = now - timedelta(days=site.tombstone_days)
    deleted = [
        Tombstone(guid=g, when=w, url=u) for g, w, u in membership.left_since(conn, feed, since)
    ]
    if history.has_history(meta.key):
        return _render_with_history(conn, site, meta, now, deleted, seen, held)
    found = _with_held(membership.newest(conn, feed, site.items), held)[: site.items]
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
    held: Sequence[Article],
) -> Rendered:
    """Current documents plus stale history pages of a feed with RFC 5005 history pages."""
    feed = meta.key.name
    pages = history_plan.plan(conn, site, meta, seen, now)
    first_current = pages.layout.end_of(pages.pages) + 1
    found = _with_held(membership.members_between(conn, feed, first_current, None), held)
    articles = _allowed(found, site)
    subscribed = history.subscription_meta(meta, pages.pages)
    stored = stored_if_empty(conn, site, meta, articles)
    current = render_docs(site, subscribed, articles, now, deleted, stored)
    explained = len(found) - len(articles) + pages.moved
    return Rendered(feed, current, pages.stale, len(articles), explained, seen, pages.built)


def _with_held(found: Sequence[Article], held: Sequence[Article]) -> list[Article]:
    """The members and the held articles, each once, newest first (published, then id)."""
    if not held:
        return list(found)
    by_id = {a.id: a for a in held} | {a.id: a for a in found}
    return sorted(by_id.values(), key=lambda a: (a.published, a.id), reverse=True)


def render_pages(
    conn: Connection,
    site: Site,
    feed: str,
    numbers: Iterable[int],
    built: history_changes.Built,
    now: datetime,
) -> list[docs.Document]:
    """Every format of some history pages of a feed, as its build `built` lays them out."""
    meta, excluded = meta_for(site, feed), site.excluded_sources
    layout = Layout.load(built.layout) if built.layout else Layout.uniform(site.archive_page_items)
    out: list[docs.Document] = []
    for n in numbers:
        first, last = layout.bounds(n)
        found = membership.members_between(conn, feed, first, last, listed=True, excluded=excluded)
        out += render_docs(
            site, history.page_meta(meta, n, built.pages), _allowed(found, site), now
        )
    return out
