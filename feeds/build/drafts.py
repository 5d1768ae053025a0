"""Documents made ready to store: rendered bytes, precompressed variants, a strong ETag.

Also the one date an empty feed carries: the stored change time of its document.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

import brotli
from sqlalchemy.engine import Connection

from feeds.archive import documents as docs
from feeds.catalog import MEDIA_TYPES, FeedMeta, Format
from feeds.render import Tombstone, render_within_budget
from feeds.site import Site
from sources.model.article import Article


def prepare(
    path: str,
    feed: str,
    fmt: Format,
    body: bytes,
    items: int,
    now: datetime,
    *,
    history_page: bool = False,
) -> docs.Document:
    """Build a storable document: precompressed variants and a strong ETag, made once.

    History pages are fetched rarely (a reader catching up, a crawler) and there are
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
        # on 139 KB history pages took 0.99 ms instead of 2.13 ms for 24 % more bytes
        gzip=gzip.compress(body, compresslevel=1 if history_page else 5, mtime=0),
        # quality 5: brotli's default 11 runs near 1 MB/s (DESIGN.md pitfalls)
        br=None if history_page else brotli.compress(body, quality=5),
        etag=f'"{digest}"',
        changed_at=now.replace(microsecond=0),  # whole seconds: see documents.change_time
        item_count=items,
    )


def compress(body: bytes) -> tuple[bytes, bytes]:
    """The gzip and brotli variants of a current document (levels as in `prepare`)."""
    return gzip.compress(body, compresslevel=5, mtime=0), brotli.compress(body, quality=5)


def render_docs(
    site: Site,
    meta: FeedMeta,
    articles: Sequence[Article],
    now: datetime,
    deleted: Sequence[Tombstone] = (),
    stored: Mapping[str, tuple[str, datetime]] | None = None,
) -> list[docs.Document]:
    """Every format of one document (the current feed or an history page).

    An empty feed says it was updated when its document last changed: `stored` (path ->
    ETag, change time) is tried first, and only a document that differs anyway is dated
    `now`, the change time it is then stored with. So the date is set once, when the empty
    document is first made, and re-rendering it gives the same bytes (never the clock).
    """
    out = []
    for fmt in site.formats:
        path = f"{meta.page_stem or meta.key.stem}.{fmt}"
        doc, previous = None, None
        if not articles and stored and path in stored:
            etag, previous = stored[path]
            doc = _render_one(site, meta, fmt, articles, deleted, now, previous)
            doc = doc if doc.etag == etag else None
        # dated as it will be stored (whole seconds, after the stored version), so the
        # date inside an empty document is its change time
        when = docs.change_time(now, previous)
        doc = doc or _render_one(site, meta, fmt, articles, deleted, when, when)
        out.append(doc)
        for old in () if meta.is_archive_page else site.served_at.get(path, ()):
            # the same feed at an old path, for consumers that follow no redirect; an empty
            # one is dated as its feed's document, so it is as stable
            at = dataclasses.replace(meta, self_path=old)
            served = _render_one(site, at, fmt, articles, deleted, now, doc.changed_at)
            out.append(dataclasses.replace(served, path=old))
    return out


def _render_one(
    site: Site,
    meta: FeedMeta,
    fmt: Format,
    articles: Sequence[Article],
    deleted: Sequence[Tombstone],
    now: datetime,
    empty_updated: datetime,
) -> docs.Document:
    """One format of one document; `empty_updated` dates it if it lists no article."""
    body, kept = render_within_budget(
        fmt,
        dataclasses.replace(meta, empty_updated=empty_updated),
        articles,
        max_bytes=site.max_bytes,
        deleted=deleted if fmt == "atom" else (),
        rss_pubdate=site.rss_pubdate,
    )
    path = f"{meta.page_stem or meta.key.stem}.{fmt}"
    page = meta.is_archive_page
    return prepare(path, meta.key.name, fmt, body, kept, now, history_page=page)


def stored_if_empty(
    conn: Connection, site: Site, meta: FeedMeta, articles: Sequence[Article]
) -> dict[str, tuple[str, datetime]] | None:
    """The stored versions of a feed's current documents, read only when it has no article."""
    if articles:
        return None
    return docs.versions_of(conn, [meta.key.path(fmt) for fmt in site.formats])
