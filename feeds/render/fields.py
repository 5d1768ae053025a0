"""Values every format shares: cleaned text, dates, image types, the feed's updated time."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from feeds.catalog import FeedMeta, Format
from sources.model.article import Article, Image
from sources.model.legacy import FORMAT_ID, RSS_PERMALINK, extra_value
from sources.model.media import image_type_of
from sources.model.utc import as_utc

# An empty feed has no newest item to date it by; a fixed instant keeps its bytes stable
# (DESIGN invariant 2: no wall clock in a document).
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)

# XML 1.0 §2.2 Char: everything outside these ranges is illegal even as a reference.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A fallback when an image has no declared type and its URL tells none; RSS 2.0 requires
# enclosure@type.
DEFAULT_IMAGE_TYPE = "image/jpeg"


@dataclass(frozen=True)
class Tombstone:
    """An entry removed from a feed, announced as an RFC 6721 at:deleted-entry."""

    guid: str
    when: datetime
    url: str | None = None


def clean(text: str) -> str:
    """Drop characters XML 1.0 forbids (C0 controls, lone surrogates, U+FFFE/U+FFFF)."""
    if text.isascii() and text.isprintable():
        return text  # the common case (URLs, ids, titles), checked in a third of the time
    return _XML_ILLEGAL.sub("", text)


def clean_opt(text: str | None) -> str | None:
    """Clean optional text; empty results become None."""
    if text is None:
        return None
    return clean(text) or None


def rfc822(dt: datetime) -> str:
    """RSS date, always `+0000` (RSS Profile §3.2: the form every tested reader accepts)."""
    return email.utils.format_datetime(as_utc(dt).replace(microsecond=0), usegmt=False)


def rfc3339(dt: datetime) -> str:
    """Atom/JSON Feed date with an upper-case T and Z (RFC 4287 §3.3), whole seconds."""
    return as_utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_updated(articles: Iterable[Article], empty: datetime | None = None) -> datetime:
    """The newest item `updated` of this feed; for an empty one the time it was given."""
    return max((as_utc(a.updated) for a in articles), default=empty or EMPTY_FEED_UPDATED)


def image_type(image: Image) -> str:
    """The image's MIME type, else a guess from the URL's extension, else image/jpeg."""
    declared = clean(image.type or "").strip()
    return declared or image_type_of(image.url) or DEFAULT_IMAGE_TYPE


def id_of(article: Article, fmt: Format) -> str:
    """The id this format carries: an adopted article's legacy id, else its guid."""
    return clean(extra_value(article.extra, FORMAT_ID[fmt]) or article.guid)


def is_permalink(article: Article) -> bool:
    """Was the adopted RSS guid a permalink (isPermaLink="true" as the old feed served it)?"""
    return extra_value(article.extra, RSS_PERMALINK) == "true"


def categories(article: Article) -> list[str]:
    """The section slug then each country code upper-case, without duplicates."""
    terms = [article.section, *(cc.upper() for cc in article.countries)]
    return list(dict.fromkeys(t for t in (clean(x) for x in terms) if t))


def title_of(article: Article) -> str:
    """The cleaned title; a blank one falls back to the URL, since both formats need one."""
    return clean(article.title).strip() or clean(article.url)


def home_url(meta: FeedMeta) -> str:
    """The channel link and the Atom alternate link: the section's page, else the site's."""
    return meta.home or f"{meta.base_url}/"


def authors_of(article: Article) -> list[str]:
    """Non-blank cleaned author names in order."""
    return [n for n in (clean(a).strip() for a in article.authors) if n]


def xml_prolog(meta: FeedMeta) -> bytes:
    """XML declaration at byte 0, then the browser stylesheet PI when one is configured."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    if meta.stylesheet_path:
        href = clean(f"{meta.base_url}{meta.stylesheet_path}")
        # Pseudo-attribute values take XML escapes (xml-stylesheet PI §3); `?>` would end it.
        href = href.replace("&", "&amp;").replace('"', "&quot;").replace("?>", "?&gt;")
        head += f'<?xml-stylesheet type="text/xsl" href="{href}"?>\n'
    return head.encode("utf-8")


def history_links(meta: FeedMeta, fmt: Format) -> list[tuple[str, str]]:
    """RFC 5005 (rel, absolute URL) pairs for current / prev-archive / next-archive."""
    stems = (
        ("current", meta.current_stem),
        ("prev-archive", meta.prev_archive_stem),
        ("next-archive", meta.next_archive_stem),
    )
    return [(rel, clean(meta.url_for(stem, fmt))) for rel, stem in stems if stem]
