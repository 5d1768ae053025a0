"""The `feed` source kind: RSS and Atom through feedparser, into plain RawItems."""

from __future__ import annotations

import io
from xml.sax import SAXParseException

import feedparser

from sources.errors import NotAFeedError
from sources.kinds.base import CollectContext, Collected, unchanged
from sources.kinds.feed_entries import Entry, FeedContext, raw_item
from sources.model.media import HTML_TYPES
from sources.model.raw import RawItem
from sources.model.spec import SourceSpec
from sources.model.state import SourceState
from sources.net import budget
from sources.net.validators import Validators, fetch_since

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF",
    b"PK\x03\x04": "ZIP archive",
}
_TEXT_CONTROLS = frozenset(b"\t\n\r\f")


def collect(source: SourceSpec, state: SourceState, ctx: CollectContext) -> Collected:
    """Poll a feed at its current URL with its stored validators; a 304 parses nothing."""
    stored = Validators(state.etag, state.last_modified)
    # a document is held from its download to the end of its parse: one large at a time
    with budget.for_documents(ctx.fetch.max_bytes).reservation() as room:
        fetched = fetch_since(state.url, ctx.fetch, stored, now=ctx.now, reserve=room.grow)
        if fetched.status == 304:
            return unchanged(fetched, permanent_redirect=fetched.permanent_redirect)
        room.grow(len(fetched.body))  # a body of no declared size (chunked, compressed)
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
    context = FeedContext.of(feed, base_url, str(dict.get(result, "version") or ""))
    items = tuple(raw_item(entry, source.id, context) for entry in entries[:max_entries])
    return items, warning


def _magic(body: bytes) -> str | None:
    """The name of a binary format the body starts with, if any."""
    head = body.lstrip()[:8]
    return next((name for sig, name in _MAGIC.items() if head.startswith(sig)), None)


def _why_no_entries(body: bytes, content_type: str | None, url: str, warning: str | None) -> str:
    """A message a person understands for a document that gave no entries."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    head = body[:2048].lower()
    if media_type in HTML_TYPES:
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
