"""The discovery page (/) and the OPML list (/feeds.opml): every current feed, for people
and for feed readers that look for <link rel="alternate"> tags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from xml.sax.saxutils import quoteattr

from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.catalog import FEED_TYPES, FeedKey, Format, group_keys, is_history_path, parse_name
from feeds.http.preview_read import Entry, read
from feeds.site import Site, feed_title

LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


@dataclass(frozen=True, slots=True)
class Listed:
    """One current feed as the index shows it."""

    key: FeedKey
    items: int
    changed: datetime
    formats: tuple[Format, ...]


def listed_feeds(store: Store, is_current: Callable[[str], bool] = lambda _: True) -> list[Listed]:
    """Every current feed with a document (history pages left out), in catalogue order."""
    with store.read() as conn:
        rows = docs.listing(conn)
    grouped: dict[str, list[tuple[Format, int, datetime]]] = defaultdict(list)
    for path, feed, items, changed in rows:
        fmt = path.rsplit(".", 1)[-1]
        if not is_history_path(path) and fmt in FEED_TYPES and is_current(feed):
            grouped[feed].append((fmt, items, changed))  # type: ignore[arg-type]
    keys = {k: v for k, v in ((parse_name(f), v) for f, v in grouped.items()) if k is not None}
    return [
        Listed(
            key=k,
            items=max(i for _, i, _ in keys[k]),
            changed=max(c for _, _, c in keys[k]),
            formats=tuple(sorted(f for f, _, _ in keys[k])),
        )
        for k in group_keys(keys)
    ]


def headlines(store: Store, feeds: list[Listed], count: int) -> dict[FeedKey, list[Entry]]:
    """The newest items of latest and each section, read from their stored JSON Feed."""
    shown: dict[FeedKey, list[Entry]] = {}
    with store.read() as conn:
        for f in feeds:
            if f.key.kind in ("latest", "section") and "json" in f.formats:
                doc = docs.get(conn, f.key.path("json"))
                if doc is not None:
                    shown[f.key] = read("json", doc.body).entries[:count]
    return shown


def opml(site: Site, feeds: list[Listed]) -> str:
    """OPML 2.0 listing every feed (its Atom or first format) for a one-step import."""
    outlines = []
    for f in feeds:
        fmt = "atom" if "atom" in f.formats else f.formats[0]
        title = feed_title(site, f.key)
        outlines.append(
            f'<outline type="rss" text={quoteattr(title)} title={quoteattr(title)} '
            f"xmlUrl={quoteattr(site.base_url + f.key.path(fmt))} "
            f"htmlUrl={quoteattr(site.base_url + '/')}/>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><head>'
        f"<title>{escape(site.title)}</title></head><body>{''.join(outlines)}</body></opml>\n"
    )
