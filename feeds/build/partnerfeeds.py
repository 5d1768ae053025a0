"""Partner feeds: each partner's profile of a public feed, composed and stored when it changed.

The same articles as the public feed (membership.newest, within the source's rights), the
same renderers and byte budget, with the profile's extra elements (feeds/render/dressing.py).
Documents are stored under the partner's own feed name (`partners/{id}/{key}`), which no
index, OPML or discovery link lists.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from feeds.archive import documents as docs
from feeds.archive import image_sizes, membership
from feeds.archive.engine import Store
from feeds.build.compose import publishable
from feeds.build.drafts import prepare
from feeds.build.imagesizes import unsized, with_sizes
from feeds.catalog import FeedMeta, Format
from feeds.metrics import PARTNER_ITEMS_HELD
from feeds.partners import Partner, dressing_for
from feeds.preflight import PACKS, Verdict, preflight
from feeds.render import render_within_budget
from feeds.site import Site, meta_for
from sources.model.article import Article
from sources.model.legacy import for_partner
from sources.normalize import mint_feed_id


def partner_meta(site: Site, partner: Partner, feed: str) -> FeedMeta:
    """The public feed's metadata, served at the partner's path under its own feed id."""
    meta = meta_for(site, feed)
    return dataclasses.replace(
        meta,
        page_stem=partner.stem(feed),
        feed_id=mint_feed_id(site.authority, partner.doc_feed(feed)),
        stylesheet_path=None,  # read by a partner's crawler, never opened in a browser
        logo_url=partner.logo_url or meta.logo_url,
    )


def candidates(conn: Connection, site: Site, feed: str) -> list[Article]:
    """The public feed's current articles as rights let any feed carry them, with the image
    sizes probes found."""
    found = membership.newest(conn, feed, site.items)
    return with_sizes(conn, [p for p in (publishable(a, site) for a in found) if p is not None])


def check(conn: Connection, site: Site, partner: Partner, feed: str, now: datetime) -> Verdict:
    """Preflight one partner feed: what it serves now, what it holds and why."""
    meta = partner_meta(site, partner, feed)
    return preflight(partner, meta, candidates(conn, site, feed), now, site.hubs)


def _partner_view(article: Article, partner: str) -> Article:
    """The article with the ids the partner's old feed gave it (`adopt --partner`), if any."""
    extra = for_partner(article.extra, partner)
    return article if extra is article.extra else dataclasses.replace(article, extra=extra)


def compose(
    conn: Connection, site: Site, partner: Partner, feed: str, now: datetime
) -> tuple[list[docs.Document], Verdict]:
    """Every format of one partner feed, and its preflight (nothing stored)."""
    meta = partner_meta(site, partner, feed)
    verdict = check(conn, site, partner, feed, now)
    articles = [_partner_view(a, partner.id) for a in verdict.kept]
    stored = {} if articles else docs.versions_of(conn, _paths(partner, feed))
    made = [_document(site, partner, meta, fmt, articles, now, stored) for fmt in partner.formats]
    return made, verdict


def _paths(partner: Partner, feed: str) -> list[str]:
    return [f"{partner.stem(feed)}.{fmt}" for fmt in partner.formats]


def _document(
    site: Site,
    partner: Partner,
    meta: FeedMeta,
    fmt: Format,
    articles: Sequence[Article],
    now: datetime,
    stored: Mapping[str, tuple[str, datetime]],
) -> docs.Document:
    """One format; an empty one is dated by its stored change time while its bytes hold."""
    path = f"{meta.page_stem}.{fmt}"
    if path in stored:
        etag, changed_at = stored[path]
        doc = _render(site, partner, meta, fmt, articles, now, changed_at)
        if doc.etag == etag:
            return doc
    return _render(site, partner, meta, fmt, articles, now, now)


def _render(
    site: Site,
    partner: Partner,
    meta: FeedMeta,
    fmt: Format,
    articles: Sequence[Article],
    now: datetime,
    empty_updated: datetime,
) -> docs.Document:
    body, kept = render_within_budget(
        fmt,
        dataclasses.replace(meta, empty_updated=empty_updated),
        articles,
        max_bytes=site.max_bytes,
        rss_pubdate=site.rss_pubdate,
        dressing=dressing_for(partner),
    )
    feed = meta.key.name
    return prepare(f"{meta.page_stem}.{fmt}", partner.doc_feed(feed), fmt, body, kept, now)


def refresh(
    store: Store,
    site: Site,
    partners: Sequence[Partner],
    now: datetime,
    feeds: Collection[str] | None = None,
) -> list[str]:
    """Rebuild the partner feeds of these public feeds (all when None); the paths changed."""
    changed: list[str] = []
    for partner in partners:
        for feed in partner.feeds:
            if feeds is not None and feed not in feeds:
                continue
            with store.snapshot() as conn:
                made, verdict = compose(conn, site, partner, feed, now)
            with store.begin(derived=True) as conn:
                known = docs.etags_of(conn, [d.path for d in made])
                fresh = [d for d in made if known.get(d.path) != d.etag]
                docs.put_many(conn, fresh)
            changed += [d.path for d in fresh]
            _count(partner, feed, verdict)
    return changed


def _count(partner: Partner, feed: str, verdict: Verdict) -> None:
    """Set newsfeeds_partner_items_held for this feed: every rule, so a release shows as 0."""
    names = {rule.name for rule in PACKS[partner.profile].items} | {"image-size-pending"}
    by_rule = Counter(h.rule for h in verdict.held)
    HELD_BY_FEED[(partner.id, feed)] = {n: by_rule.get(n, 0) for n in names}
    for name in names:
        total = sum(c.get(name, 0) for (p, _), c in HELD_BY_FEED.items() if p == partner.id)
        PARTNER_ITEMS_HELD.labels(partner.id, name).set(total)


# (partner, feed) -> held items by rule, at this process's last build of that partner feed
HELD_BY_FEED: dict[tuple[str, str], dict[str, int]] = {}


def check_all(
    store: Store, site: Site, partners: Sequence[Partner], now: datetime
) -> list[Verdict]:
    """Preflight every feed of these partners as the archive stands (nothing stored)."""
    with store.snapshot() as conn:
        return [check(conn, site, p, feed, now) for p in partners for feed in p.feeds]


def pending_images(
    store: Store, site: Site, partners: Sequence[Partner], now: datetime
) -> dict[str, set[tuple[str, str]]]:
    """Image URLs holding an item as image-size-pending, never probed or failed over a day
    ago, each with the partner feeds (partner id, feed key) it holds one in."""
    found: dict[str, set[tuple[str, str]]] = {}
    with store.snapshot() as conn:
        for partner in partners:
            for feed in partner.feeds:
                articles = candidates(conn, site, feed)
                meta = partner_meta(site, partner, feed)
                verdict = preflight(partner, meta, articles, now, site.hubs)
                held = {h.guid for h in verdict.held if h.rule == "image-size-pending"}
                for article in articles:
                    url = unsized(article) if article.guid in held else None
                    if url:
                        found.setdefault(url, set()).add((partner.id, feed))
        done = image_sizes.probed(conn, found, now - image_sizes.RETRY_FAILED)
    return {url: feeds for url, feeds in found.items() if url not in done}
