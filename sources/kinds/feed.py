"""The `feed` source kind: RSS and Atom through feedparser, into plain RawItems."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXParseException

import feedparser

from sources.errors import NotAFeedError
from sources.kinds.base import CollectContext, Collected, unchanged
from sources.model.raw import RawImage, RawItem
from sources.model.spec import SourceSpec
from sources.model.state import SourceState
from sources.net.validators import Validators, fetch_since

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF",
    b"PK\x03\x04": "ZIP archive",
}
_TEXT_CONTROLS = frozenset(b"\t\n\r\f")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")

Entry = dict[str, Any]


def collect(source: SourceSpec, state: SourceState, ctx: CollectContext) -> Collected:
    """Poll a feed at its current URL with its stored validators; a 304 parses nothing."""
    stored = Validators(state.etag, state.last_modified)
    fetched = fetch_since(state.url, ctx.fetch, stored, now=ctx.now)
    if fetched.status == 304:
        return unchanged(fetched, permanent_redirect=fetched.permanent_redirect)
    items, warning = parse_feed(
        fetched.body,
        content_type=fetched.content_type,
        source=source,
        max_entries=ctx.fetch.max_entries,
        base_url=fetched.final_url,
    )
    return Collected(
        items=items,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        warning=warning,
        permanent_redirect=fetched.permanent_redirect,
    )


def parse_feed(
    body: bytes,
    *,
    content_type: str | None,
    source: SourceSpec,
    max_entries: int,
    base_url: str,
) -> tuple[tuple[RawItem, ...], str | None]:
    """Parse feed bytes into at most max_entries RawItems, with feedparser's bozo warning."""
    if not body.strip():
        raise NotAFeedError(f"not a feed: empty body from {base_url}")
    magic = _magic(body)
    if magic:
        raise NotAFeedError(f"not a feed: binary data ({magic}) from {base_url}")
    headers = {
        "content-location": base_url,
        # A local file has no Content-Type: call it XML, as a web server would for .xml, so
        # the XML declaration decides the encoding and no warning is raised for the absence.
        "content-type": content_type or "application/xml",
    }
    # A stream, never bytes or a str: feedparser opens a str or bytes that names a file or a
    # URL, so a body of b"/etc/passwd" would be read from disk.
    try:
        result = feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            sanitize_html=False,  # normalization sanitizes with nh3 and absolutizes URLs
            resolve_relative_uris=False,
        )
    except (UnicodeError, ValueError, RecursionError) as exc:
        # feedparser's loose parser can raise on hostile input (a lone surrogate charref
        # such as &#xD800; in UnicodeEncodeError); parse() is meant never to raise
        raise NotAFeedError(
            f"not a feed: the document could not be read ({type(exc).__name__}) from {base_url}"
        ) from exc
    warning = _bozo_message(result)
    entries: list[Entry] = list(dict.get(result, "entries") or [])
    if not entries:
        raise NotAFeedError(_why_no_entries(body, content_type, base_url, warning))
    feed: Entry = dict.get(result, "feed") or {}
    context = _FeedContext.of(feed, base_url, str(dict.get(result, "version") or ""))
    items = tuple(_raw_item(entry, source.id, context) for entry in entries[:max_entries])
    return items, warning


class _FeedContext:
    """What every item of one feed inherits: language, base URL, format."""

    def __init__(self, language: str | None, base_url: str, is_rss: bool) -> None:
        self.language = language
        self.base_url = base_url
        self.is_rss = is_rss

    @classmethod
    def of(cls, feed: Entry, fetched_url: str, version: str) -> _FeedContext:
        """The context from the feed-level fields; the feed's link wins over the fetched URL."""
        link = _text(feed, "link")
        base = urljoin(fetched_url, link) if link else fetched_url
        if urlsplit(base).scheme not in ("http", "https"):
            base = fetched_url
        return cls(_text(feed, "language"), base, version.startswith("rss"))


def _raw_item(entry: Entry, source_id: str, ctx: _FeedContext) -> RawItem:
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
    blocks = [b for b in _dicts(entry, "content") if _text(b, "type") in _HTML_TYPES]
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


def _magic(body: bytes) -> str | None:
    """The name of a binary format the body starts with, if any."""
    head = body.lstrip()[:8]
    return next((name for sig, name in _MAGIC.items() if head.startswith(sig)), None)


def _why_no_entries(body: bytes, content_type: str | None, url: str, warning: str | None) -> str:
    """A message a person understands for a document that gave no entries."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    head = body[:2048].lower()
    if media_type in _HTML_TYPES:
        return f"not a feed: got {media_type} from {url}"
    if b"<html" in head or b"<!doctype html" in head:
        return f"not a feed: got an HTML page (served as {media_type or 'no type'}) from {url}"
    if _looks_binary(body[:1024]):
        return f"not a feed: binary data from {url}"
    reason = f" ({warning})" if warning else ""
    return f"not a feed: no entries in the document from {url}{reason}"


def _looks_binary(sample: bytes) -> bool:
    """Mostly control bytes, and not UTF-16/32 text (whose ASCII has NUL neighbours)."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) or b"<\x00" in sample:
        return False
    if b"\x00<" in sample:
        return False
    controls = sum(1 for byte in sample if (byte < 0x20 and byte not in _TEXT_CONTROLS))
    return controls > len(sample) // 10


def _bozo_message(result: Entry) -> str | None:
    """feedparser's reason for reading the document leniently, as text."""
    if not dict.get(result, "bozo"):
        return None
    exc = dict.get(result, "bozo_exception")
    if isinstance(exc, SAXParseException):
        return (
            f"not well-formed XML at line {exc.getLineNumber()}, column "
            f"{exc.getColumnNumber()} ({exc.getMessage()}); read leniently"
        )
    return str(exc) if exc is not None and str(exc) else "the document is not well-formed"
