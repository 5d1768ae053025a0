"""The HTML preview of a feed (/feeds/{key}.html): its items as a reader shows them, and ways
to subscribe. Built from the feed's stored document alone, so its bytes follow the archive.

Feed URLs keep their bytes and media type: a preview is its own URL, never chosen by Accept
(that would split caches and hand HTML to pollers).
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.catalog import FEED_TYPES, FORMATS, FeedKey, Format
from feeds.http.preview_read import Entry, Shown, read
from feeds.site import Site, feed_title

ROBOTS = "noindex, follow"  # previews repeat the website's articles; their links may be followed
_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
_READ_FIRST: tuple[Format, ...] = ("json", "atom", "rss")  # JSON needs no XML parser
# Web readers that take a feed address in a link (each one's documented subscribe URL)
READERS = (
    ("Feedly", "https://feedly.com/i/subscription/feed/"),
    ("Inoreader", "https://www.inoreader.com/?add_feed="),
    ("NewsBlur", "https://www.newsblur.com/?url="),
    ("The Old Reader", "https://theoldreader.com/feeds/subscribe?url="),
)
_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:auto;padding:1rem;"
    "color:#111;overflow-wrap:anywhere}h1{font-size:1.5rem;margin:.5rem 0}"
    "h2{font-size:1.15rem;margin:0 0 .25rem}a{color:#0645ad}"
    ".subscribe{background:#f3f6fa;border:1px solid #c9d3df;border-radius:.5rem;padding:.75rem}"
    ".subscribe h2{margin-bottom:.5rem}.copy{display:flex;gap:.5rem}"
    ".copy input{flex:1;min-width:0;font:inherit;padding:.3rem}"
    ".copy button{font:inherit;padding:.3rem .8rem}.subscribe p{margin:.5rem 0 0}"
    ".subscribe a{display:inline-block;margin:.2rem .5rem 0 0}"
    "article{border-top:1px solid #ddd;padding:1rem 0}.meta{color:#555;font-size:.9rem;margin:0}"
    "article img{display:block;max-width:100%;height:auto;margin:.5rem 0}"
)
# Shows each time in the reader's own zone (the UTC text stays without script) and copies.
_SCRIPT = (
    'document.querySelectorAll("time[datetime]").forEach(function(t){'
    "var d=new Date(t.dateTime);if(!isNaN(d)){t.title=t.textContent;"
    't.textContent=d.toLocaleString(undefined,{dateStyle:"medium",timeStyle:"short"})}});'
    'document.querySelectorAll("button[data-copy]").forEach(function(b){'
    'b.addEventListener("click",function(){var i=document.getElementById(b.dataset.copy);'
    "i.select();var done=function(){b.textContent='Copied'};"
    "if(navigator.clipboard){navigator.clipboard.writeText(i.value).then(done,function(){"
    'document.execCommand("copy");done()})}else{document.execCommand("copy");done()}})});'
)


def path_of(key: FeedKey) -> str:
    """The URL path of a feed's preview, e.g. /feeds/section/world.html."""
    return f"{key.stem}.html"


def stored(store: Store, key: FeedKey) -> tuple[Format, docs.Document, tuple[Format, ...]] | None:
    """The document a preview is read from, and every format the feed is served in."""
    with store.read() as conn:
        have = docs.versions_of(conn, [key.path(f) for f in FORMATS])
        formats = tuple(f for f in FORMATS if key.path(f) in have)
        for fmt in _READ_FIRST:
            if fmt in formats:
                doc = docs.get(conn, key.path(fmt))
                if doc is not None:
                    return fmt, doc, formats
    return None


def page(site: Site, key: FeedKey, fmt: Format, body: bytes, formats: tuple[Format, ...]) -> str:
    """The whole preview page of one feed."""
    title = feed_title(site, key)
    shown = read(fmt, body)
    alternates = "".join(
        f'<link rel="alternate" type="{FEED_TYPES[f]}" title="{escape(title)} ({_LABELS[f]})" '
        f'href="{escape(site.base_url + key.path(f))}">'
        for f in formats
    )
    items = "".join(_entry(e) for e in shown.entries) or "<p>No items yet.</p>"
    return (
        f'<!doctype html><html lang="{escape(site.language or "en")}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="{ROBOTS}"><title>{escape(title)}: preview</title>'
        f"{alternates}<style>{_STYLE}</style></head><body><header>"
        f'<p><a href="{escape(site.base_url)}/">All feeds</a></p><h1>{escape(title)}</h1>'
        f"{_description(shown)}{_subscribe(site, key, formats)}</header>"
        f"<main>{items}</main><script>{_SCRIPT}</script></body></html>"
    )


def _description(shown: Shown) -> str:
    return f"<p>{escape(shown.description)}</p>" if shown.description else ""


def _subscribe(site: Site, key: FeedKey, formats: tuple[Format, ...]) -> str:
    """Copy the address, open it in a web reader, pick a format, or take every feed as OPML."""
    main = "atom" if "atom" in formats else formats[0]  # as the OPML list does
    url = site.base_url + key.path(main)
    readers = " ".join(
        f'<a href="{escape(prefix + quote(url, safe=""))}" rel="noopener">{name}</a>'
        for name, prefix in READERS
    )
    links = " ".join(
        f'<a href="{escape(site.base_url + key.path(f))}" type="{FEED_TYPES[f]}">{_LABELS[f]}</a>'
        for f in formats
    )
    opml = escape(site.base_url + "/feeds.opml")
    return (
        '<section class="subscribe" aria-labelledby="subscribe"><h2 id="subscribe">Subscribe</h2>'
        '<label for="feed-url">Copy this address into your feed reader:</label>'
        f'<div class="copy"><input id="feed-url" readonly value="{escape(url)}">'
        '<button type="button" data-copy="feed-url">Copy</button></div>'
        f"<p>Open in {readers}</p><p>Formats: {links} · "
        f'<a href="{opml}" type="text/x-opml">All feeds (OPML)</a></p></section>'
    )


def _entry(e: Entry) -> str:
    """One item: linked title, time (UTC, shown in the reader's zone by script), image, summary."""
    when = ""
    if e.published is not None:
        stamp = e.published.strftime("%Y-%m-%dT%H:%M:%SZ")
        shown = e.published.strftime("%Y-%m-%d %H:%M UTC")
        when = f'<p class="meta"><time datetime="{stamp}">{shown}</time></p>'
    # the feeds carry no image description: the headline is what the image illustrates
    image = (
        f'<img src="{escape(e.image)}" alt="{escape(e.title)}" loading="lazy">' if e.image else ""
    )
    summary = f"<p>{escape(e.summary)}</p>" if e.summary else ""
    title = f'<a href="{escape(e.url)}">{escape(e.title)}</a>' if e.url else escape(e.title)
    return f"<article><h2>{title}</h2>{when}{image}{summary}</article>"
