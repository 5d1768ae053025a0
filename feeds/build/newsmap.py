"""The Google News sitemap: compose it from the archive and store only what changed.

Google News reads a news sitemap of the articles first published in the last two days, at
most 1,000 URLs per file (https://developers.google.com/search/docs/crawling-indexing/
sitemaps/news-sitemap, read 2026-12-04). `/sitemaps/news.xml` lists the newest 1,000; when
the window holds more, `/sitemaps/news-index.xml` lists one file per publication hour
(`/sitemaps/news-YYYYMMDDHH.xml`, `…-YYYYMMDDHH-2.xml` past 1,000 in one hour), so a file
changes only when its own hour's articles do. Files that leave the index answer 410 Gone
for a week, then 404.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection

from feeds.archive import documents as docs
from feeds.archive import recent
from feeds.archive.engine import Store
from feeds.build.compose import publishable
from feeds.build.drafts import compress
from feeds.render import newsmap
from feeds.render.newsmap import IndexEntry, NewsEntry
from feeds.site import Site
from sources.model.article import Article

FEED = "sitemaps/news"  # the feed name its documents are stored under
GONE = "sitemaps/gone"  # retired files: stored under a feed that is never current (410)
NEWS_PATH = "/sitemaps/news.xml"
INDEX_PATH = "/sitemaps/news-index.xml"
PER_FILE = 1000  # Google: "no more than 1,000 news:news tags" per sitemap
MAX_LISTED = 50_000  # a sitemap index lists at most 50,000 sitemaps (sitemaps.org)
WINDOW = timedelta(hours=48)
GONE_KEPT = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class NewsSitemapSettings:
    """`[sitemaps]`: the hosts whose article URLs may be listed, and the publication's name."""

    hosts: frozenset[str]
    publication_name: str


@dataclass(frozen=True, slots=True)
class Composed:
    """The sitemap's documents now, and when they next change with no new article."""

    documents: list[docs.Document]
    due: datetime | None  # the oldest listed article leaves the window, or a future one enters


def compose(conn: Connection, site: Site, settings: NewsSitemapSettings, now: datetime) -> Composed:
    """Every document of the news sitemap as the archive stands (nothing stored)."""
    found = recent.published_between(
        conn,
        now - WINDOW,
        now + timedelta(days=366),
        limit=MAX_LISTED,
        excluded=site.excluded_sources,
    )
    future = [a.published for a in found if a.published > now]
    listed = [a for a in _listable(found, site, settings) if a.published <= now]
    entries = [_entry(a, site) for a in listed]
    out = [_urlset(NEWS_PATH, entries[:PER_FILE], settings, now)]
    if len(entries) > PER_FILE:
        files = list(_by_hour(entries, listed))
        out += [_urlset(path, e, settings, now) for path, e, _ in files]
        index = [
            IndexEntry(site.base_url + path, max(x.updated for x in a)) for path, _, a in files
        ]
        out.append(_document(INDEX_PATH, newsmap.render_index(index), len(index), now))
    ends = [listed[-1].published + WINDOW] if listed else []
    return Composed(out, min([*ends, *future], default=None))


def _listable(found: Sequence[Article], site: Site, settings: NewsSitemapSettings) -> list[Article]:
    """Articles rights let a feed carry whose URLs are on the publisher's own hosts."""
    out = []
    for article in found:
        carried = publishable(article, site)
        host = (urlsplit(article.url).hostname or "").lower()
        if carried is not None and host in settings.hosts:  # wire stories: never listed
            out.append(carried)
    return out


def _entry(article: Article, site: Site) -> NewsEntry:
    language = newsmap.news_language(article.language, site.language)
    return NewsEntry(article.url, article.title, article.published, language)


def _by_hour(
    entries: Sequence[NewsEntry], listed: Sequence[Article]
) -> list[tuple[str, list[NewsEntry], list[Article]]]:
    """(path, entries, articles) of each hour's file, newest hour first."""
    out = []
    pairs = zip(entries, listed, strict=True)
    for hour, group in itertools.groupby(pairs, key=lambda p: p[0].published.strftime("%Y%m%d%H")):
        items = list(group)
        for part in range(0, len(items), PER_FILE):
            chunk = items[part : part + PER_FILE]
            suffix = f"-{part // PER_FILE + 1}" if part else ""
            path = f"/sitemaps/news-{hour}{suffix}.xml"
            out.append((path, [e for e, _ in chunk], [a for _, a in chunk]))
    return out


def _urlset(
    path: str, entries: Sequence[NewsEntry], settings: NewsSitemapSettings, now: datetime
) -> docs.Document:
    body = newsmap.render_urlset(entries, settings.publication_name)
    return _document(path, body, len(entries), now)


def _document(path: str, body: bytes, items: int, now: datetime) -> docs.Document:
    """A storable sitemap document: precompressed, with a strong ETag of its bytes."""
    gzip_body, br_body = compress(body)
    return docs.Document(
        path=path,
        feed=FEED,
        media_type=newsmap.MEDIA_TYPE,
        body=body,
        gzip=gzip_body,
        br=br_body,
        etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"',
        changed_at=now,
        item_count=items,
    )


def refresh(store: Store, site: Site, settings: NewsSitemapSettings, now: datetime) -> Refreshed:
    """Compose the sitemap and store the documents whose bytes changed; retire the rest."""
    with store.snapshot() as conn:
        composed = compose(conn, site, settings, now)
    with store.begin(derived=True) as conn:
        stored = docs.etags_of(conn, [d.path for d in composed.documents])
        fresh = [d for d in composed.documents if stored.get(d.path) != d.etag]
        keep = {d.path for d in composed.documents}
        retired = [p for p in docs.paths_of(conn, FEED) if p not in keep]
        gone = [_gone(p, now) for p in retired]
        docs.put_many(conn, fresh + gone)
        expired = [p for p, at in docs.paths_of(conn, GONE).items() if at < now - GONE_KEPT]
        docs.delete_paths(conn, [p for p in expired if p not in keep])
    return Refreshed([d.path for d in fresh] + retired, composed.due)


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What a refresh stored, and when the sitemap is next due without any new article."""

    changed: list[str]
    due: datetime | None


def _gone(path: str, now: datetime) -> docs.Document:
    """A retired file: kept a while under GONE, so every process answers 410 for it."""
    doc = _document(path, b"this sitemap is no longer listed\n", 0, now)
    return dataclasses.replace(doc, feed=GONE, media_type="text/plain; charset=utf-8")
