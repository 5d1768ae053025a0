"""The index (/) for people: sections first with their newest headlines, countries and
section-by-country feeds one level down, a search box, and discovery links for the main feeds.

Only latest and each section are announced in <head>: readers that list every alternate
link offered 118-148 choices, most of them narrow cuts of the same stories.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from html import escape
from xml.sax.saxutils import quoteattr

from feeds.catalog import FEED_TYPES, FeedKey
from feeds.http.discovery import LABELS, Listed
from feeds.http.preview import path_of as preview_path
from feeds.http.preview_read import Entry
from feeds.site import Site, country_name, feed_title

HEADLINES = 3  # newest items shown under latest and each section
_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:auto;padding:1rem;"
    "color:#111;overflow-wrap:anywhere}h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}"
    "a{color:#0645ad}ul{list-style:none;padding:0}li{margin:.75rem 0}"
    "ul ul{padding-left:1rem}ol{margin:.25rem 0;padding-left:1.25rem}ol li{margin:.15rem 0}"
    ".meta{display:block;color:#555;font-size:.9rem}"
    ".subs a{display:inline-block;margin:.25rem .4rem 0 0;padding:.3rem .7rem;"
    "border:1px solid #888;border-radius:.4rem;text-decoration:none}"
    "label{display:block;font-weight:600}"
    "#find{width:100%;box-sizing:border-box;font:inherit;padding:.4rem;margin:.25rem 0 1rem}"
    "summary{cursor:pointer;color:#0645ad}"
)
# The search box hides the feeds whose name does not match (keeping the section a match is
# listed under) and opens the folded lists while it holds text.
_SCRIPT = (
    'var f=document.getElementById("find");f.addEventListener("input",function(){'
    'var q=f.value.trim().toLowerCase(),all=document.querySelectorAll("li[data-name]");'
    "all.forEach(function(li){li.hidden=q!==''});"
    "all.forEach(function(li){if(q===''||li.dataset.name.indexOf(q)>=0){"
    'for(var p=li;p;p=p.parentElement.closest("li[data-name]"))p.hidden=false}});'
    'document.querySelectorAll("details").forEach(function(d){d.open=q!==""})});'
)


def index_html(site: Site, feeds: list[Listed], headlines: Mapping[FeedKey, list[Entry]]) -> str:
    """The discovery page: main feeds with headlines, the rest folded, a search box."""
    head = "".join(
        f'<link rel="alternate" type="{FEED_TYPES[fmt]}" '
        f"title={quoteattr(f'{feed_title(site, f.key)} ({LABELS[fmt]})')} "
        f'href="{escape(site.base_url + f.key.path(fmt))}">'
        for f in feeds
        if f.key.kind in ("latest", "section")
        for fmt in f.formats
    )
    opml_url = escape(site.base_url + "/feeds.opml")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(site.title)}: feeds</title>{head}"
        f'<link rel="alternate" type="text/x-opml" title="All feeds (OPML)" href="{opml_url}">'
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(site.title)}: feeds</h1><p>Open a feed to see its stories and subscribe, "
        "copy a feed's address into your feed reader, or import "
        f'<a href="{opml_url}">every feed at once (OPML)</a>.</p>'
        '<label for="find">Find a feed</label>'
        '<input id="find" type="search" placeholder="a section or a country" autocomplete="off">'
        f"{_body(site, feeds, headlines)}<script>{_SCRIPT}</script></body></html>"
    )


def _body(site: Site, feeds: list[Listed], headlines: Mapping[FeedKey, list[Entry]]) -> str:
    """Latest, then each section with its countries folded, then every country folded."""
    combos: dict[str, list[Listed]] = defaultdict(list)
    for f in feeds:
        if f.key.kind == "combo":
            combos[f.key.section or ""].append(f)
    latest = [_item(site, f, "Everything, newest first", headlines) for f in feeds
              if f.key.kind == "latest"]  # fmt: skip
    sections = []
    for f in (f for f in feeds if f.key.kind == "section"):
        nested = [_item(site, c, country_name(c.key.country or "")) for c in
                  combos.pop(f.key.section or "", [])]  # fmt: skip
        title = site.section_titles.get(f.key.section or "", (f.key.section or "").title())
        sections.append(_item(site, f, title, headlines, _fold(nested, "by")))
    for orphans in combos.values():  # a combo whose section feed has no document yet
        sections += [_item(site, c, feed_title(site, c.key)) for c in orphans]
    countries = [
        _item(site, f, country_name(f.key.country or ""))
        for f in sorted(
            (f for f in feeds if f.key.kind == "country"),
            key=lambda f: country_name(f.key.country or ""),
        )
    ]
    parts = [("Latest", _list(latest)), ("Sections", _list(sections))]
    parts.append(("Countries", _fold(countries, "all")))
    return "".join(f"<h2>{h}</h2>{body}" for h, body in parts if body)


def _list(items: list[str]) -> str:
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _fold(items: list[str], how: str) -> str:
    """A list one level down, behind a disclosure that the search box opens."""
    if not items:
        return ""
    words = f"By country ({len(items)})" if how == "by" else f"All {len(items)} countries"
    return f"<details><summary>{words}</summary><ul>{''.join(items)}</ul></details>"


def _item(
    site: Site,
    feed: Listed,
    title: str,
    headlines: Mapping[FeedKey, list[Entry]] | None = None,
    inner: str = "",
) -> str:
    """One feed: its title linked to its preview, counts, headlines, a link per format."""
    links = "".join(
        f'<a href="{escape(site.base_url + feed.key.path(f))}" type="{FEED_TYPES[f]}">'
        f"{LABELS[f]}</a>"
        for f in feed.formats
    )
    when = feed.changed.strftime("%Y-%m-%d %H:%M")
    news = _headlines((headlines or {}).get(feed.key, []))
    name = f"{title} {feed.key.name}".lower()
    return (
        f"<li data-name={quoteattr(name)}>"
        f'<strong><a href="{escape(site.base_url + preview_path(feed.key))}">{escape(title)}</a>'
        f"</strong><span class=meta>{feed.items} "
        f"item{'' if feed.items == 1 else 's'} · updated "
        f'<time datetime="{feed.changed.strftime("%Y-%m-%dT%H:%M:%SZ")}">{when} UTC</time>'
        f'</span>{news}<span class="subs">{links}</span>{inner}</li>'
    )


def _headlines(entries: list[Entry]) -> str:
    """The newest few items of a feed, each linked to its article."""
    shown = "".join(
        f'<li><a href="{escape(e.url)}">{escape(e.title)}</a></li>'
        for e in entries[:HEADLINES]
        if e.url
    )
    return f"<ol>{shown}</ol>" if shown else ""
