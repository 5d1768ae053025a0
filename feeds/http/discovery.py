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
from feeds.site import Site, country_name, feed_title

_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:auto;padding:1rem;"
    "color:#111}h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}"
    "ul{list-style:none;padding:0}li{margin:.75rem 0}ul ul{padding-left:1rem}"
    ".meta{display:block;color:#555;font-size:.9rem}"
    ".subs a{display:inline-block;margin:.25rem .4rem 0 0;padding:.3rem .7rem;"
    "border:1px solid #888;border-radius:.4rem;text-decoration:none}"
)


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


def _item(site: Site, feed: Listed, title: str) -> str:
    """One list entry: title, item count and last change, a subscribe link per format."""
    links = "".join(
        f'<a href="{escape(site.base_url + feed.key.path(f))}" type="{FEED_TYPES[f]}">'
        f"{_LABELS[f]}</a>"
        for f in feed.formats
    )
    when = feed.changed.strftime("%Y-%m-%d %H:%M")
    return (
        f"<strong>{escape(title)}</strong><span class=meta>{feed.items} "
        f"item{'' if feed.items == 1 else 's'} · updated "
        f'<time datetime="{feed.changed.strftime("%Y-%m-%dT%H:%M:%SZ")}">{when} UTC</time>'
        f'</span><span class="subs">{links}</span>'
    )


def _body(site: Site, feeds: list[Listed]) -> str:
    """Latest, then each section with its countries nested, then countries."""
    combos: dict[str, list[Listed]] = defaultdict(list)
    for f in feeds:
        if f.key.kind == "combo":
            combos[f.key.section or ""].append(f)
    latest = [f"<li>{_item(site, f, 'Everything, newest first')}</li>" for f in feeds
              if f.key.kind == "latest"]  # fmt: skip
    sections = []
    for f in (f for f in feeds if f.key.kind == "section"):
        nested = "".join(
            f"<li>{_item(site, c, country_name(c.key.country or ''))}</li>"
            for c in combos.pop(f.key.section or "", [])
        )
        inner = f"<ul>{nested}</ul>" if nested else ""
        sections.append(f"<li>{_item(site, f, feed_title(site, f.key))}{inner}</li>")
    for orphans in combos.values():  # a combo whose section feed has no document yet
        sections += [f"<li>{_item(site, c, feed_title(site, c.key))}</li>" for c in orphans]
    countries = [
        f"<li>{_item(site, f, country_name(f.key.country or ''))}</li>"
        for f in sorted(
            (f for f in feeds if f.key.kind == "country"),
            key=lambda f: country_name(f.key.country or ""),
        )
    ]
    parts = (("Latest", latest), ("Sections", sections), ("Countries", countries))
    return "".join(f"<h2>{h}</h2><ul>{''.join(items)}</ul>" for h, items in parts if items)


def index_html(site: Site, feeds: list[Listed]) -> str:
    """The discovery page: every feed grouped, subscribe links, alternate link tags."""
    head = "".join(
        f'<link rel="alternate" type="{FEED_TYPES[fmt]}" '
        f"title={quoteattr(f'{feed_title(site, f.key)} ({_LABELS[fmt]})')} "
        f'href="{escape(site.base_url + f.key.path(fmt))}">'
        for f in feeds
        for fmt in f.formats
    )
    opml_url = escape(site.base_url + "/feeds.opml")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(site.title)}: feeds</title>{head}"
        f'<link rel="alternate" type="text/x-opml" title="All feeds (OPML)" href="{opml_url}">'
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(site.title)}: feeds</h1><p>Copy a feed's address into your feed "
        f'reader, or import <a href="{opml_url}">every feed at once (OPML)</a>.</p>'
        f"{_body(site, feeds)}</body></html>"
    )


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
