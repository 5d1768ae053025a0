"""Rebuild feeds: query, render, compress, and store only what changed."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import brotli
from sqlalchemy.engine import Connection

from feeds import crashpoints
from feeds.archive import articles as archived
from feeds.archive import documents as docs
from feeds.archive import pings, queue
from feeds.archive.engine import Store
from feeds.catalog import MEDIA_TYPES, Format
from feeds.render import Tombstone, render_within_budget
from feeds.site import Site, meta_for
from sources.article import Article

log = logging.getLogger(__name__)

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


@dataclass(slots=True)
class RebuildReport:
    """What a rebuild pass did."""

    feeds: int = 0
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def prepare(
    path: str, feed: str, fmt: Format, body: bytes, items: int, now: datetime
) -> docs.Document:
    """Build a storable document: precompressed variants and a strong ETag, made once."""
    digest = hashlib.sha256(body).hexdigest()[:32]
    return docs.Document(
        path=path,
        feed=feed,
        media_type=MEDIA_TYPES[fmt],
        body=body,
        # mtime=0: otherwise the gzip header carries the clock and every process differs
        gzip=gzip.compress(body, compresslevel=6, mtime=0),
        # quality 5: brotli's default 11 runs near 1 MB/s (DESIGN.md pitfalls)
        br=brotli.compress(body, quality=5),
        etag=f'"{digest}"',
        changed_at=now,
        item_count=items,
    )


def publishable(article: Article, site: Site) -> Article:
    """Apply the source's redistribution rights to what a feed may carry."""
    rights, images = site.rights.get(article.source_id, ("full", True))
    if rights == "summary":
        article = dataclasses.replace(article, content=None)
    elif rights == "link":
        article = dataclasses.replace(article, content=None, summary="")
    if not images:
        content = _IMG.sub("", article.content) if article.content else None
        article = dataclasses.replace(article, image=None, content=content)
    return article


def render_feed(conn: Connection, site: Site, feed: str, now: datetime) -> list[docs.Document]:
    """Render every format of one feed from the archive (nothing stored yet)."""
    meta = meta_for(site, feed)
    articles = [publishable(a, site) for a in archived.newest(conn, feed, site.items)]
    since = now - timedelta(days=site.tombstone_days)
    deleted = [
        Tombstone(guid=g, when=w, url=u) for g, w, u in archived.left_since(conn, feed, since)
    ]
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
        out.append(prepare(meta.key.path(fmt), feed, fmt, body, kept, now))
    return out


def store_changed(
    conn: Connection, site: Site, rendered: Sequence[docs.Document], now: datetime
) -> list[str]:
    """Write the documents whose bytes changed; queue WebSub pings for them."""
    changed = []
    for doc in rendered:
        previous = docs.etag_of(conn, doc.path)
        if previous is not None and previous[0] == doc.etag:
            continue  # same bytes: keep the stored change time, so Last-Modified holds
        docs.put(conn, doc)
        changed.append(doc.path)
    pings.enqueue(conn, site.hubs, [site.base_url + p for p in changed], now)
    return changed


def rebuild_one(
    store: Store, site: Site, feed: str, owner: str, seq: int, now: datetime
) -> list[str]:
    """Rebuild one leased feed and record it built, in one transaction."""
    with store.begin() as conn:
        rendered = render_feed(conn, site, feed, now)
        crashpoints.reach("mid-render")
        changed = store_changed(conn, site, rendered, now)
        queue.finish(conn, feed, owner, seq)
        crashpoints.reach("before-document-commit")
    return changed


def rebuild_dirty(
    store: Store,
    site: Site,
    *,
    owner: str,
    now: Callable[[], datetime],
    on_change: Callable[[list[str]], None] | None = None,
    lease_seconds: float = 120.0,
) -> RebuildReport:
    """Rebuild every feed marked dirty (leased, so several processes share the work)."""
    started = time.perf_counter()
    report = RebuildReport()
    while True:
        with store.begin() as conn:
            claimed = queue.claim_dirty(conn, owner, now(), lease_seconds, limit=200)
        if not claimed:
            break
        for feed, seq in claimed:
            try:
                changed = rebuild_one(store, site, feed, owner, seq, now())
            except Exception:
                log.exception("rebuild of feed %s failed", feed)
                with store.begin() as conn:
                    queue.release(conn, feed, owner)
                raise
            report.feeds += 1
            report.changed.extend(changed)
            if changed and on_change is not None:
                on_change(changed)
    report.seconds = time.perf_counter() - started
    return report


def mark_all(store: Store) -> int:
    """Queue every known feed for a rebuild (`newsfeeds build` with no names)."""
    with store.begin() as conn:
        names = queue.all_feed_names(conn)
        queue.mark_dirty(conn, names)
    return len(names)
