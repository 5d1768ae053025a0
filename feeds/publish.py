"""Rebuild feeds: query, render, compress, and store only what changed.

Archive pages and their links: feeds/history.py. The publish guard: feeds/guard.py.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import itertools
import logging
import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import brotli
from sqlalchemy.engine import Connection

from feeds import crashpoints, guard, history
from feeds.archive import articles as archived
from feeds.archive import documents as docs
from feeds.archive import page_changes, pings, queue
from feeds.archive import pages as archive_pages
from feeds.archive.engine import Store
from feeds.catalog import MEDIA_TYPES, FeedMeta, Format
from feeds.render import Tombstone, render_within_budget
from feeds.site import Site, meta_for
from sources.article import Article

log = logging.getLogger(__name__)
T = TypeVar("T")

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
STORE_BATCH = 12  # documents per lookup-and-write: four archive pages in three formats
PAGES_PER_WRITE = 4  # archive pages rendered per snapshot and stored per write transaction


@dataclass(slots=True)
class RebuildReport:
    """What a rebuild pass did."""

    feeds: int = 0
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)


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
    built: tuple[int, str] | None = None  # (pages, settings shape) once stored


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
    feed, size = meta.key.name, site.archive_page_items
    pages = history.archived_pages(archive_pages.last_position(conn, feed), site.items, size)
    first_current = pages * size + 1
    found = archive_pages.members_between(conn, feed, first_current, None)
    articles = _allowed(found, site)
    current = render_docs(site, history.subscription_meta(meta, pages), articles, now, deleted)
    shape = _archive_shape(site)
    stale, moved = _stale_pages(conn, site, meta, pages, (shape, seen, now))
    explained = len(found) - len(articles) + moved
    return Rendered(feed, current, stale, len(articles), explained, seen, (pages, shape))


def render_pages(
    conn: Connection, site: Site, feed: str, numbers: Iterable[int], pages: int, now: datetime
) -> list[docs.Document]:
    """Every format of some archive pages of a feed that has `pages` of them."""
    meta, size, excluded = meta_for(site, feed), site.archive_page_items, site.excluded_sources
    out: list[docs.Document] = []
    for n in numbers:
        first, last = history.page_bounds(n, size)
        found = archive_pages.members_between(
            conn, feed, first, last, listed=True, excluded=excluded
        )
        out += render_docs(site, history.page_meta(meta, n, pages), _allowed(found, site), now)
    return out


def _archive_shape(site: Site) -> str:
    """The settings that decide which pages exist and what they list, as one string."""
    excluded = ",".join(sorted(site.excluded_sources))
    return f"{site.archive_page_items}|{','.join(site.formats)}|{excluded}"


def _stale_pages(
    conn: Connection,
    site: Site,
    meta: FeedMeta,
    pages: int,
    since_last: tuple[str, page_changes.Pending, datetime],
) -> tuple[list[int], int]:
    """(pages to render, members moving onto newly published pages).

    With the last build's summary and the same settings, only pages holding a noted change
    and pages published since then (and the previous newest, which gains a next-archive
    link) are stale: a cost that does not grow with the archive. Without it, every stored
    page is checked against a count of its members.
    """
    feed, size, excluded = meta.key.name, site.archive_page_items, site.excluded_sources
    shape, seen, now = since_last
    last = page_changes.summary(conn, feed)
    if last is not None and last[1] == shape and last[0] <= pages:
        built = last[0]
        todo = {(p - 1) // size + 1 for p in seen.positions}
        todo = {n for n in todo if 1 <= n <= pages} | set(range(built + 1, pages + 1))
        if 0 < built < pages:
            todo.add(built)
        fresh = archive_pages.listed_page_counts(
            conn, feed, size, pages * size, excluded, first=built * size + 1
        )
        return sorted(todo), sum(fresh.values())
    stored = archive_pages.stored_pages(conn, feed, meta.key.stem)
    listed = _listed_counts(conn, feed, size, pages, stored, excluded)
    withdrawn = archive_pages.recently_withdrawn_pages(
        conn, feed, size, now - history.RECHECK_WINDOW
    )
    stale = history.pages_to_render(pages, listed, stored, len(site.formats), withdrawn)
    return stale, history.newly_archived(pages, stored, listed)


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
        if archive_pages.listed_count(conn, feed, closed * size, excluded) == expected:
            counts = {n: stored[n][1] for n in range(1, closed + 1)}
            counts.update(
                archive_pages.listed_page_counts(
                    conn, feed, size, pages * size, excluded, first=closed * size + 1
                )
            )
            return counts
    return archive_pages.listed_page_counts(conn, feed, size, pages * size, excluded)


def store_changed(
    conn: Connection, site: Site, rendered: Iterable[docs.Document], now: datetime
) -> list[str]:
    """Write the documents whose bytes changed; queue WebSub pings for current ones."""
    changed = []
    # a few documents at a time: one lookup and one write per batch, not per document,
    # while pages rendered lazily are still never all held at once
    for batch in _batches(rendered, STORE_BATCH):
        stored = docs.etags_of(conn, [d.path for d in batch])
        # same bytes: keep the stored change time, so Last-Modified holds
        fresh = [d for d in batch if stored.get(d.path) != d.etag]
        docs.put_many(conn, fresh)
        changed += [d.path for d in fresh]
    # archive pages are fetched by walking links, never subscribed to: no pings
    topics = [site.base_url + p for p in changed if "/archive/" not in p]
    pings.enqueue(conn, site.hubs, topics, now)
    return changed


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of up to `size` items (itertools.batched is Python 3.12+)."""
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def rebuild_one(
    store: Store,
    site: Site,
    feed: str,
    owner: str,
    seq: int,
    now: datetime,
    *,
    force: bool = False,
    lease: tuple[Callable[[], datetime], float] | None = None,
) -> list[str]:
    """Rebuild one leased feed: render from snapshots, store in short write transactions.

    No write lock is held while rendering, so several processes render at once on SQLite
    too. Stale archive pages are rendered and stored a few at a time (a first build of
    "latest" has thousands, too many to hold); the current documents, the built mark and
    the lease's release are stored together last. A writer that changed the feed meanwhile
    bumped its dirty mark, so the feed stays dirty and the next pass renders it again; a
    crash leaves it dirty with its last good current documents. `lease` (clock, seconds)
    keeps this owner's leases alive while a long feed's pages are written.
    Unless forced, the publish guard may keep the last good documents (feeds/guard.py).
    """
    with store.snapshot() as conn:
        rendered = render_feed(conn, site, feed, now)
        refusal = None
        if not force:
            refusal = guard.check(
                conn,
                feed,
                rendered.current,
                available=rendered.available,
                explained=rendered.explained,
                share=site.publish_guard_share,
                current_days=site.current_days,
                full=site.items,
            )
    crashpoints.reach("mid-render")
    if refusal is not None:
        with store.begin() as conn:
            guard.refuse(conn, refusal, now)
            queue.finish(conn, feed, owner, seq)
        return []
    on_pages: list[str] = []
    published = rendered.built[0] if rendered.built else 0
    for numbers in _batches(rendered.stale, PAGES_PER_WRITE):
        with store.snapshot() as conn:
            pages = render_pages(conn, site, feed, numbers, published, now)
        with store.begin(derived=True) as conn:
            on_pages += store_changed(conn, site, pages, now)
            if lease is not None:
                clock, seconds = lease
                queue.extend_leases(conn, owner, clock() + timedelta(seconds=seconds))
    with store.begin(derived=True) as conn:
        changed = store_changed(conn, site, rendered.current, now)
        page_changes.record_built(conn, feed, rendered.built, rendered.seen)
        queue.finish(conn, feed, owner, seq)
        crashpoints.reach("before-document-commit")
    return changed + on_pages  # current documents first, as subscribers see them


def rebuild_dirty(
    store: Store,
    site: Site,
    *,
    owner: str,
    now: Callable[[], datetime],
    on_change: Callable[[list[str]], None] | None = None,
    lease_seconds: float = 120.0,
    force: bool = False,
    on_feed: Callable[[str], None] | None = None,
) -> RebuildReport:
    """Rebuild every feed marked dirty (leased, so several processes share the work).

    `force` skips the publish guard, for an operator who confirmed a large drop is right.
    A feed whose rebuild fails keeps its last good documents and stays dirty; the others
    go on (it is retried at the next pass, not in a loop within this one).
    """
    started = time.perf_counter()
    report = RebuildReport()
    failed: set[str] = set()
    while True:
        with store.begin() as conn:
            claimed = queue.claim_dirty(conn, owner, now(), lease_seconds, limit=200)
            claimed = [c for c in claimed if c[0] not in failed]
            for feed in failed:
                queue.release(conn, feed, owner)
        if not claimed:
            break
        for feed, seq in claimed:
            try:
                changed = rebuild_one(
                    store, site, feed, owner, seq, now(), force=force, lease=(now, lease_seconds)
                )
            except Exception:  # one broken feed must not hold back every other feed
                log.exception("rebuild of feed %s failed; its last good documents stay", feed)
                failed.add(feed)
                with store.begin() as conn:
                    queue.release(conn, feed, owner)
                continue
            report.feeds += 1
            report.changed.extend(changed)
            if on_feed is not None:
                on_feed(feed)
            if changed and on_change is not None:
                on_change(changed)
    report.failed = sorted(failed)
    report.seconds = time.perf_counter() - started
    return report


def mark_all(store: Store) -> int:
    """Queue every known feed for a rebuild (`newsfeeds build` with no names)."""
    with store.begin() as conn:
        names = queue.all_feed_names(conn)
        queue.mark_dirty(conn, names)
    return len(names)
