"""What a feed's documents are now: its current documents and stale archive pages, rendered.

Nothing here writes: feeds/publish.py stores what changed. Archive pages and their links:
feeds/history.py.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import brotli
from sqlalchemy.engine import Connection

from feeds import history, page_plan
from feeds.archive import articles as archived
from feeds.archive import documents as docs
from feeds.archive import page_changes
from feeds.archive import pages as archive_pages
from feeds.catalog import MEDIA_TYPES, FeedMeta, Format
from feeds.page_layout import Layout
from feeds.render import Tombstone, render_within_budget
from feeds.site import Site, meta_for
from sources.article import Article

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def prepare(
    path: str,
    feed: str,
    fmt: Format,
    body: bytes,
    items: int,
    now: datetime,
    *,
    archive_page: bool = False,
) -> docs.Document:
    """Build a storable document: precompressed variants and a strong ETag, made once.

    Archive pages are fetched rarely (a reader catching up, a crawler) and there are
    thousands of them: they get gzip alone, at level 1, and brotli, the costlier half of
    the compression, is spent on the current documents pollers fetch every few minutes.
    """
    digest = hashlib.sha256(body).hexdigest()[:32]
    return docs.Document(
        path=path,
        feed=feed,
        media_type=MEDIA_TYPES[fmt],
        body=body,
        # mtime=0: otherwise the gzip header carries the clock and every process differs;
        # level 5 is about twice as fast as 6 on feed XML for some 7 % more bytes; level 1
        # on 139 KB archive pages took 0.99 ms instead of 2.13 ms for 24 % more bytes
        gzip=gzip.compress(body, compresslevel=1 if archive_page else 5, mtime=0),
        # quality 5: brotli's default 11 runs near 1 MB/s (DESIGN.md pitfalls)
        br=None if archive_page else brotli.compress(body, quality=5),
        etag=f'"{digest}"',
        changed_at=now,
        item_count=items,
    )


def publishable(article: Article, site: Site) -> Article | None:
    """Apply the source's redistribution rights; None when no feed may carry it."""
    rights, images = site.rights.get(article.source_id, ("full", True))
    if rights == "exclude":
        return None
    if rights == "summary":
        article = dataclasses.replace(article, content=None)
    elif rights == "link":
        article = dataclasses.replace(article, content=None, summary="")
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


def render_docs(
    site: Site,
    meta: FeedMeta,
    articles: Sequence[Article],
    now: datetime,
    deleted: Sequence[Tombstone] = (),
) -> list[docs.Document]:
    """Every format of one document (the current feed or an archive page)."""
    out = []
    for fmt in site.formats:
        body, kept = render_within_budget(
            fmt,
            meta,
            articles,
            max_bytes=site.max_bytes,
            deleted=deleted if fmt == "atom" else (),
            rss_pubdate=site.rss_pubdate,
        )
        path = f"{meta.page_stem or meta.key.stem}.{fmt}"
        page = meta.is_archive_page
        out.append(prepare(path, meta.key.name, fmt, body, kept, now, archive_page=page))
    return out


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
    current = render_docs(site, meta, articles, now, deleted)
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
    current = render_docs(
        site, history.subscription_meta(meta, pages.pages), articles, now, deleted
    )
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
