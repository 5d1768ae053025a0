"""RSS 2.0 documents through feedgen, with its bugs fixed by our extensions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from feedgen.feed import FeedGenerator

from feeds.catalog import FeedMeta
from feeds.render import fields
from feeds.render.fields import clean, clean_opt
from feeds.render.xmlfix import RssChannelFix, RssItemExtras
from sources.model.article import Article

# The bytes that open and close the run of items, for budget.py's size estimates.
ITEM_START = b"<item>"
ITEMS_END = b"</channel>"

_EXT = "newsfeeds"


def render_rss(
    meta: FeedMeta,
    articles: Sequence[Article],
    *,
    rss_pubdate: Literal["published", "updated"] = "published",
) -> bytes:
    """Render one RSS 2.0 document."""
    fg = _channel(meta, articles)
    for article in articles:
        _item(fg, article, rss_pubdate)
    body: bytes = fg.rss_str(pretty=True, xml_declaration=False)
    return fields.xml_prolog(meta) + body


def _channel(meta: FeedMeta, articles: Sequence[Article]) -> Any:
    """A FeedGenerator with every channel field set explicitly (feedgen defaults to now)."""
    fg = FeedGenerator()
    fg.register_extension(_EXT, RssChannelFix, RssItemExtras, atom=False, rss=True)
    title = clean(meta.title) or meta.key.name
    home = fields.home_url(meta)
    fg.title(title)
    # RSS 2.0 requires a description; the title is the least surprising fallback.
    fg.description(clean(meta.description) or title)
    fg.link(href=clean(home), rel="alternate")
    fg.link(href=clean(meta.self_url("rss")), rel="self", type="application/rss+xml")
    updated = fields.feed_updated(articles, meta.empty_updated)
    fg.lastBuildDate(updated)
    fg.ttl(meta.ttl_minutes)
    fg.generator(clean(meta.generator))
    fg.docs("https://www.rssboard.org/rss-specification")
    if meta.language:
        fg.language(clean(meta.language))
    if meta.copyright:
        fg.rights(clean(meta.copyright))  # feedgen writes it as RSS <copyright>
    if meta.logo_url:
        # RSS Profile §4.1.1.9: image link and title must match the channel's.
        fg.image(url=clean(meta.logo_url), title=title, link=home)
    fix: RssChannelFix = getattr(fg, _EXT)
    fix.home = clean(home)
    fix.last_build = fields.rfc822(updated)
    fix.links = [("hub", clean(h)) for h in meta.hubs] + fields.history_links(meta, "rss")
    fix.is_archive = meta.is_archive_page
    return fg


def _item(fg: Any, article: Article, rss_pubdate: str) -> None:
    """Append one item (add_entry prepends by default, which would reverse the feed)."""
    fe = fg.add_entry(order="append")
    fe.title(fields.title_of(article))
    fe.link(href=clean(article.url), rel="alternate")
    fe.guid(fields.id_of(article, "rss"), permalink=fields.is_permalink(article))
    summary = clean(article.summary).strip()
    content = clean_opt(article.content)
    if summary:
        fe.description(summary)
    if content:
        # With no summary, feedgen puts the content in <description> alone (Profile §5.2.1).
        fe.content(content)
    terms = fields.categories(article)
    if terms:
        fe.category([{"term": t} for t in terms])
    extras: RssItemExtras = getattr(fe, _EXT)
    when = article.updated if rss_pubdate == "updated" else article.published
    extras.pub_date = fields.rfc822(when)
    extras.creator = ", ".join(fields.authors_of(article))
    if article.image:
        _image(fe, extras, article)


def _image(fe: Any, extras: RssItemExtras, article: Article) -> None:
    """One enclosure (length 0 = unknown, Profile §4.1.1.20.5) and a media:content."""
    assert article.image is not None
    image = article.image
    url, kind = clean(image.url), fields.image_type(image)
    fe.link(href=url, rel="enclosure", type=kind, length="0")
    media = {"url": url, "medium": "image", "type": kind}
    if image.width:
        media["width"] = str(image.width)
    if image.height:
        media["height"] = str(image.height)
    extras.media = media
    extras.credit = clean_opt(image.credit)
    extras.caption = clean_opt(image.caption)
