"""Atom 1.0 documents through feedgen, with its bugs fixed by our extensions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedgen.feed import FeedGenerator

from feeds.catalog import FeedMeta
from feeds.render import fields
from feeds.render.fields import Tombstone, clean, clean_opt
from feeds.render.xmlfix import AtomEntryFix, AtomFeedFix
from sources.model.article import Article
from sources.model.utc import as_utc

# The bytes that open and close the run of entries, for budget.py's size estimates.
ITEM_START = b"<entry>"
ITEMS_END = b"</feed>"

_EXT = "newsfeeds"


def render_atom(
    meta: FeedMeta, articles: Sequence[Article], *, deleted: Sequence[Tombstone] = ()
) -> bytes:
    """Render one Atom 1.0 document."""
    fg = _feed(meta, articles, deleted)
    for article in articles:
        _entry(fg, article)
    body: bytes = fg.atom_str(pretty=True, xml_declaration=False)
    return fields.xml_prolog(meta) + body


def _feed(meta: FeedMeta, articles: Sequence[Article], deleted: Sequence[Tombstone]) -> Any:
    """A FeedGenerator with every feed field set explicitly (feedgen defaults to now)."""
    fg = FeedGenerator()
    fg.register_extension(_EXT, AtomFeedFix, AtomEntryFix, atom=True, rss=False)
    title = clean(meta.title) or meta.key.name
    fg.id(clean(meta.feed_id))
    fg.title(title)
    if meta.description:
        fg.subtitle(clean(meta.description))
    updated = fields.feed_updated(articles, meta.empty_updated)
    fg.updated(updated)
    fg.link(href=clean(meta.self_url("atom")), rel="self", type="application/atom+xml")
    fg.link(href=clean(fields.home_url(meta)), rel="alternate", type="text/html")
    for hub in meta.hubs:
        fg.link(href=clean(hub), rel="hub")
    for rel, href in fields.history_links(meta, "atom"):
        fg.link(href=href, rel=rel, type="application/atom+xml")
    # RFC 4287 §4.1.1: a feed needs an author unless every entry has one.
    fg.author(name=clean_opt(meta.author_name) or title)
    fg.generator(clean(meta.generator))
    if meta.language:
        fg.language(clean(meta.language))
    if meta.copyright:
        fg.rights(clean(meta.copyright))
    if meta.icon_url:
        fg.icon(clean(meta.icon_url))
    if meta.logo_url:
        fg.logo(clean(meta.logo_url))
    fix: AtomFeedFix = getattr(fg, _EXT)
    fix.updated = fields.rfc3339(updated)
    fix.is_archive = meta.is_archive_page
    fix.tombstones = [(clean(t.guid), fields.rfc3339(t.when), clean_opt(t.url)) for t in deleted]
    return fg


def _entry(fg: Any, article: Article) -> None:
    """Append one entry (add_entry prepends by default, which would reverse the feed)."""
    fe = fg.add_entry(order="append")
    fe.id(fields.id_of(article, "atom"))
    fe.title(fields.title_of(article))
    fe.updated(as_utc(article.updated))
    fe.published(as_utc(article.published))
    fe.link(href=clean(article.url), rel="alternate", type="text/html")
    if article.image:
        kind = fields.image_type(article.image)
        fe.link(href=clean(article.image.url), rel="enclosure", type=kind, length="0")
    summary = clean(article.summary).strip()
    if summary:
        fe.summary(summary, type="text")
    content = clean_opt(article.content)
    if content:
        fe.content(content, type="html")
    authors = fields.authors_of(article)
    if authors:
        fe.author([{"name": n} for n in authors])
    terms = fields.categories(article)
    if terms:
        fe.category([{"term": t} for t in terms])
    fix: AtomEntryFix = getattr(fe, _EXT)
    fix.links = fe.link()
    fix.updated = fields.rfc3339(article.updated)
    fix.published = fields.rfc3339(article.published)
