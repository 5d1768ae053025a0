"""Google News sitemaps as bytes: a urlset of news articles, and a sitemap index (pure).

Formats: the Sitemaps protocol 0.9 (https://www.sitemaps.org/protocol.html) and Google's
news extension (https://developers.google.com/search/docs/crawling-indexing/sitemaps/
news-sitemap, read 2026-12-04): `news:publication` (`name`, `language`),
`news:publication_date` (W3C datetime), `news:title`, in that order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from feeds.render.fields import clean, rfc3339

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
MEDIA_TYPE = "application/xml; charset=utf-8"
# the sitemap namespace is the default one, as Google's examples have it
_URLSET_NS: Any = {None: SITEMAP_NS, "news": NEWS_NS}
_INDEX_NS: Any = {None: SITEMAP_NS}
# Google: "an ISO 639 language code (2 or 3 letters)", and zh-cn / zh-tw for Chinese
_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:[-_]([a-z]{2,4}))?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NewsEntry:
    """One article as a news sitemap lists it."""

    url: str
    title: str
    published: datetime
    language: str


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One sitemap file as a sitemap index lists it."""

    url: str
    lastmod: datetime


def news_language(tag: str | None, default: str | None) -> str:
    """A language tag (en-GB, zh-Hant-TW …) as the news sitemap wants it (en, zh-tw)."""
    for value in (tag, default, "en"):
        m = _LANGUAGE.match(value or "")
        if m is None:
            continue
        primary, region = m.group(1).lower(), (m.group(2) or "").lower()
        if primary == "zh":
            return "zh-tw" if region in ("tw", "hant", "hk", "mo") else "zh-cn"
        return primary
    return "en"


def render_urlset(entries: Sequence[NewsEntry], publication: str) -> bytes:
    """A news sitemap listing these entries in the order given."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap=_URLSET_NS)
    for entry in entries:
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = clean(entry.url)
        news = etree.SubElement(url, f"{{{NEWS_NS}}}news")
        pub = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(pub, f"{{{NEWS_NS}}}name").text = clean(publication)
        etree.SubElement(pub, f"{{{NEWS_NS}}}language").text = entry.language
        date = etree.SubElement(news, f"{{{NEWS_NS}}}publication_date")
        date.text = rfc3339(entry.published)
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = clean(entry.title)
    return _serialize(root)


def render_index(entries: Sequence[IndexEntry]) -> bytes:
    """A sitemap index listing these sitemap files in the order given."""
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap=_INDEX_NS)
    for entry in entries:
        sitemap = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(sitemap, f"{{{SITEMAP_NS}}}loc").text = clean(entry.url)
        etree.SubElement(sitemap, f"{{{SITEMAP_NS}}}lastmod").text = rfc3339(entry.lastmod)
    return _serialize(root)


def _serialize(root: etree._Element) -> bytes:
    """UTF-8 with an XML declaration, indented; the same tree gives the same bytes."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
