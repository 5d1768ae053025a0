"""One feedparser entry as a RawItem of plain strings: links, content, authors, images."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from sources.model.media import HTML_TYPES
from sources.model.raw import RawImage, RawItem

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")

Entry = dict[str, Any]


class FeedContext:
    """What every item of one feed inherits: language, base URL, format, its own address."""

    def __init__(self, language: str | None, base_url: str, is_rss: bool, fetched: str) -> None:
        self.language = language
        self.base_url = base_url
        self.is_rss = is_rss
        self.fetched_url = fetched  # feedparser's base wherever no xml:base is in scope

    @classmethod
    def of(cls, feed: Entry, fetched_url: str, version: str) -> FeedContext:
        """The context from the feed-level fields; the feed's link wins over the fetched URL."""
        link = _text(feed, "link")
        base = urljoin(fetched_url, link) if link else fetched_url
        if urlsplit(base).scheme not in ("http", "https"):
            base = fetched_url
        return cls(_text(feed, "language"), base, version.startswith("rss"), fetched_url)


def raw_item(entry: Entry, source_id: str, ctx: FeedContext) -> RawItem:
    """One feedparser entry as plain strings."""
    title_detail: Entry = dict.get(entry, "title_detail") or {}
    summary_detail: Entry = dict.get(entry, "summary_detail") or {}
    content, content_base = _content(entry)
    return RawItem(
        source_id=source_id,
        upstream_id=_text(entry, "id"),
        url=_link(entry),
        title=_text(entry, "title"),
        title_is_html=_text(title_detail, "type") != "text/plain",
        summary=_text(entry, "summary"),
        content=content,
        content_base=content_base,
        # RSS has no notion of a document base: without xml:base, the item's link is what
        # its relative URLs mean (the fetch URL may be a mirror, a proxy or a local file)
        content_base_inherited=ctx.is_rss and content_base == ctx.fetched_url,
        authors=_authors(entry),
        categories=_unique(_text(tag, "term") for tag in _dicts(entry, "tags")),
        published=_text(entry, "published"),  # raw text: only the source's zone resolves it
        updated=_text(entry, "updated"),
        images=_images(entry, ctx.is_rss),
        language=_text(title_detail, "language")
        or _text(summary_detail, "language")
        or ctx.language,
        base_url=ctx.base_url,
    )


def _text(mapping: Entry, key: str) -> str | None:
    """A plain str (never a feedparser type) or None for missing or blank values.

    dict.get, not mapping.get: FeedParserDict remaps keys (updated -> published) with a
    DeprecationWarning, and we want each field as the source wrote it.
    """
    value = dict.get(mapping, key)
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _dicts(mapping: Entry, key: str) -> list[Entry]:
    """A list-of-dicts field, skipping anything that is not a mapping."""
    value = dict.get(mapping, key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty values in first-seen order, without repeats."""
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _link(entry: Entry) -> str | None:
    """The entry's rel=alternate link (RFC 4287 §4.2.7.2), else whatever feedparser calls link."""
    for link in _dicts(entry, "links"):
        if _text(link, "rel") in (None, "alternate") and _text(link, "href"):
            return _text(link, "href")
    return _text(entry, "link")


def _content(entry: Entry) -> tuple[str | None, str | None]:
    """The longest HTML content block and its xml:base."""
    blocks = [b for b in _dicts(entry, "content") if _text(b, "type") in HTML_TYPES]
    blocks = [b for b in blocks if _text(b, "value")]
    if not blocks:
        return None, None
    best = max(blocks, key=lambda b: len(str(dict.get(b, "value") or "")))
    return _text(best, "value"), _text(best, "base")


def _authors(entry: Entry) -> tuple[str, ...]:
    """Author names from the structured list, else the flat author string."""
    names = _unique(_text(a, "name") or _text(a, "email") for a in _dicts(entry, "authors"))
    if names:
        return names
    return _unique([_text(entry, "author")])


def _images(entry: Entry, is_rss: bool) -> tuple[RawImage, ...]:
    """Images from Media RSS content and thumbnails, then image enclosures, first wins."""
    credit = next((c for m in _dicts(entry, "media_credit") if (c := _text(m, "content"))), None)
    caption = _media_caption(entry, is_rss)
    found: list[RawImage] = []
    for media in _dicts(entry, "media_content"):
        if _is_image(media):
            found.append(_media_image(media, caption, credit))
    for thumb in _dicts(entry, "media_thumbnail"):
        if _text(thumb, "url"):
            found.append(_media_image(thumb, caption, credit))
    for link in _dicts(entry, "links"):
        href, kind = _text(link, "href"), _text(link, "type") or ""
        if _text(link, "rel") == "enclosure" and href and kind.startswith("image/"):
            found.append(RawImage(url=href, type=kind))
    unique = {image.url: image for image in reversed(found)}
    return tuple(reversed(unique.values()))


def _media_image(media: Entry, caption: str | None, credit: str | None) -> RawImage:
    """A Media RSS image with the item's media:description and media:credit."""
    return RawImage(
        url=str(_text(media, "url")),
        type=_text(media, "type"),
        width=_text(media, "width"),
        height=_text(media, "height"),
        caption=caption,
        credit=credit,
    )


def _is_image(media: Entry) -> bool:
    """A media:content that is an image by medium, MIME type, or (neither given) file name."""
    url, kind, medium = _text(media, "url"), _text(media, "type"), _text(media, "medium")
    if not url:
        return False
    if medium or kind:
        return medium == "image" or (kind or "").startswith("image/")
    return urlsplit(url).path.lower().endswith(_IMAGE_SUFFIXES)


def _media_caption(entry: Entry, is_rss: bool) -> str | None:
    """media:description, which feedparser files as a text/plain content block (in RSS, where
    no other element makes one) or as summary_detail without touching summary."""
    if is_rss:
        for block in _dicts(entry, "content"):
            if _text(block, "type") == "text/plain" and _text(block, "value"):
                return _text(block, "value")
    detail: Entry = dict.get(entry, "summary_detail") or {}
    described = _text(detail, "value")
    if _dicts(entry, "media_content") and described != _text(entry, "summary"):
        return described
    return None
