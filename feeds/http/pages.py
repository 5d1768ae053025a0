"""Pages for people and operators: the feed index, OPML, status, health, metrics."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from html import escape
from xml.sax.saxutils import quoteattr

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from feeds.archive import documents as docs
from feeds.archive import sources as source_rows
from feeds.archive.engine import Store
from feeds.catalog import parse_name
from feeds.metrics import REGISTRY
from feeds.site import Site, feed_title

_KIND_HEADINGS = {
    "latest": "Latest",
    "section": "Sections",
    "country": "Countries",
    "combo": "Section × country",
}
_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}


def _feeds(store: Store) -> list[tuple[str, int, datetime, list[str]]]:
    """(feed name, items, last change, formats) of every current, non-archive feed."""
    with store.read() as conn:
        rows = docs.listing(conn)
    grouped: dict[str, list[tuple[str, int, datetime]]] = defaultdict(list)
    for path, feed, items, changed in rows:
        if "/archive/" not in path:
            grouped[feed].append((path.rsplit(".", 1)[1], items, changed))
    return [
        (feed, max(i for _, i, _ in v), max(c for _, _, c in v), sorted(f for f, _, _ in v))
        for feed, v in sorted(grouped.items())
    ]


def index_html(site: Site, feeds: list[tuple[str, int, datetime, list[str]]]) -> str:
    """The discovery page: every feed grouped, subscribe links, alternate link tags."""
    head_links, sections = [], defaultdict(list)
    for name, items, changed, formats in feeds:
        key = parse_name(name)
        if key is None:
            continue
        title = feed_title(site, key)
        links = " ".join(
            f'<a href="{escape(site.base_url + key.path(f))}">{f.upper()}</a>'  # type: ignore[arg-type]
            for f in formats
        )
        for f in formats:
            head_links.append(
                f'<link rel="alternate" type="{_TYPES[f]}" '
                f"title={quoteattr(title + ' (' + f.upper() + ')')} "
                f'href="{escape(site.base_url + key.path(f))}">'  # type: ignore[arg-type]
            )
        sections[key.kind].append(
            f"<li><strong>{escape(title)}</strong> <span>{items} items · updated "
            f"{changed.strftime('%Y-%m-%d %H:%M')} UTC</span><br>{links}</li>"
        )
    body = "".join(
        f"<h2>{_KIND_HEADINGS[k]}</h2><ul>{''.join(sections[k])}</ul>"
        for k in _KIND_HEADINGS
        if sections[k]
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(site.title)} feeds</title>{''.join(head_links)}"
        '<link rel="alternate" type="text/x-opml" title="All feeds (OPML)" '
        f'href="{escape(site.base_url)}/feeds.opml">'
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:auto;"
        "padding:1rem;line-height:1.5}"
        "li{margin:.5rem 0}a{margin-right:.5rem}span{color:#555;font-size:.9em}</style>"
        "</head><body>"
        f"<h1>{escape(site.title)} feeds</h1><p>Copy a feed's address into your feed reader, "
        f'or import <a href="{escape(site.base_url)}/feeds.opml">every feed (OPML)</a>.</p>'
        f"{body}</body></html>"
    )


def opml(site: Site, feeds: list[tuple[str, int, datetime, list[str]]]) -> str:
    """OPML 2.0 listing every feed (its Atom or first format) for a one-step import."""
    outlines = []
    for name, _, _, formats in feeds:
        key = parse_name(name)
        if key is None:
            continue
        fmt = "atom" if "atom" in formats else formats[0]
        title = feed_title(site, key)
        outlines.append(
            f'<outline type="rss" text={quoteattr(title)} title={quoteattr(title)} '
            f'xmlUrl="{escape(site.base_url + key.path(fmt))}" htmlUrl="{escape(site.base_url)}/"/>'  # type: ignore[arg-type]
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><head>'
        f"<title>{escape(site.title)}</title></head><body>{''.join(outlines)}</body></opml>\n"
    )


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def status_rows(store: Store, configured: list[tuple[str, str, str]]) -> list[dict[str, object]]:
    """Health of every configured source, as plain JSON-able rows."""
    with store.read() as conn:
        states = {s.source_id: s for s in source_rows.load_all(conn)}
    rows: list[dict[str, object]] = []
    for sid, kind, url in configured:
        s = states.get(sid)
        rows.append(
            {
                "id": sid,
                "kind": kind,
                "url": s.url if s else url,
                "last_attempt": _iso(s.last_attempt) if s else None,
                "last_success": _iso(s.last_success) if s else None,
                "last_error": s.last_error if s else None,
                "consecutive_failures": s.consecutive_failures if s else 0,
                "next_due": _iso(s.next_due) if s else None,
                "retired": s.retired if s else False,
                "healthy": bool(
                    s and s.consecutive_failures == 0 and not s.retired and s.last_success
                ),
            }
        )
    return rows


class Pages:
    """Starlette endpoints bound to one store and site."""

    def __init__(
        self, store: Store, site: Site, configured: list[tuple[str, str, str]], stylesheet: bytes
    ) -> None:
        self.store, self.site, self.configured, self.stylesheet = (
            store,
            site,
            configured,
            stylesheet,
        )

    async def index(self, request: Request) -> Response:
        feeds = await run_in_threadpool(_feeds, self.store)
        return HTMLResponse(
            index_html(self.site, feeds), headers={"cache-control": "public, max-age=60"}
        )

    async def opml(self, request: Request) -> Response:
        feeds = await run_in_threadpool(_feeds, self.store)
        return Response(opml(self.site, feeds), media_type="text/x-opml; charset=utf-8")

    async def style(self, request: Request) -> Response:
        return Response(
            self.stylesheet,
            media_type="text/xsl; charset=utf-8",
            headers={"cache-control": "public, max-age=86400"},
        )

    async def healthz(self, request: Request) -> Response:
        try:
            await run_in_threadpool(self._ping)
        except Exception:
            return PlainTextResponse("archive unreachable\n", status_code=503)
        return PlainTextResponse("ok\n")

    def _ping(self) -> None:
        with self.store.read() as conn:
            docs.latest_generation(conn)

    async def metrics(self, request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    async def status_json(self, request: Request) -> Response:
        rows = await run_in_threadpool(status_rows, self.store, self.configured)
        return JSONResponse({"sources": rows})

    async def status_html(self, request: Request) -> Response:
        rows = await run_in_threadpool(status_rows, self.store, self.configured)
        trs = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(str(r[k]) if r[k] is not None else '')}</td>"
                for k in (
                    "id",
                    "kind",
                    "healthy",
                    "last_success",
                    "last_error",
                    "consecutive_failures",
                    "next_due",
                    "retired",
                )
            )
            + "</tr>"
            for r in rows
        )
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Source status</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
            "<h1>Source status</h1><table><tr><th>id</th><th>kind</th><th>healthy</th>"
            "<th>last success</th><th>last error</th><th>failures</th><th>next due</th>"
            f"<th>retired</th></tr>{trs}</table>"
            f"<p>{escape(json.dumps(len(rows)))} sources</p></body></html>"
        )
