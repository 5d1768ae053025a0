"""Pages for people and operators: the feed index, OPML, status, health, metrics.

The index is built in feeds/http/index_page.py, OPML in discovery.py, previews in preview.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from feeds.archive import documents as docs
from feeds.archive import events, source_state
from feeds.archive.engine import Store
from feeds.build import guard
from feeds.catalog import parse_name
from feeds.http import discovery, index_page, preview
from feeds.http import held as held_items
from feeds.http.conditional import http_date, is_fresh
from feeds.http.health import Health
from feeds.metrics import REGISTRY, SOURCES_FAILING
from feeds.redact import redact
from feeds.site import Site

# is_fresh reads the date only for If-Modified-Since, dropped when a page has no date
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# as a docroot served by nginx gives them (its .gz and .br siblings vary by coding)
PAGE_HEADERS = {"vary": "Accept-Encoding", "x-content-type-options": "nosniff"}


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def status_rows(store: Store, configured: list[tuple[str, str, str]]) -> list[dict[str, object]]:
    """Health of every configured source, as plain JSON-able rows, secrets redacted."""
    with store.read() as conn:
        states = source_state.by_id(conn)
    rows: list[dict[str, object]] = []
    for sid, kind, url in configured:
        s = states.get(sid)
        rows.append(
            {
                "id": sid,
                "kind": kind,
                "url": redact(s.url if s else url),
                "last_attempt": _iso(s.last_attempt) if s else None,
                "last_success": _iso(s.last_success) if s else None,
                "last_error": redact(s.last_error) if s and s.last_error else None,
                "consecutive_failures": s.consecutive_failures if s else 0,
                "next_due": _iso(s.next_due) if s else None,
                "retired": s.retired if s else False,
                "healthy": bool(
                    s and s.consecutive_failures == 0 and not s.retired and s.last_success
                ),
            }
        )
    return rows


def refusal_rows(store: Store, limit: int = 20) -> list[dict[str, object]]:
    """The newest publish-guard refusals (feeds kept at their last good document)."""
    with store.read() as conn:
        found = events.recent(conn, guard.EVENT_KIND, limit)
    return [{"at": _iso(e.at), "feed": e.subject, "message": e.message} for e in found]


def refusals_html(rows: list[dict[str, object]]) -> str:
    """The /status section listing recent publish-guard refusals."""
    if not rows:
        return "<h2>Publish guard</h2><p>No refusals.</p>"
    items = "".join(
        f"<li><strong>{escape(str(r['feed']))}</strong> {escape(str(r['at']))}: "
        f"{escape(str(r['message']))}</li>"
        for r in rows
    )
    return f"<h2>Publish guard: recent refusals</h2><ul>{items}</ul>"


def validated(request: Request, body: bytes, media_type: str, changed: datetime | None) -> Response:
    """A page built from the archive, with validators: 304 when the client has these bytes.

    The ETag hashes the body, which the archive alone decides (no clock, no request), so every
    process gives the same one; Last-Modified is the newest change among the listed feeds.
    """
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"cache-control": "public, max-age=60", "etag": etag, **PAGE_HEADERS}
    if changed is not None:
        headers["last-modified"] = http_date(changed)
    since = request.headers.get("if-modified-since") if changed is not None else None
    if is_fresh(request.headers.get("if-none-match"), since, (etag,), changed or _EPOCH):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _newest(feeds: list[discovery.Listed]) -> datetime | None:
    return max((f.changed for f in feeds), default=None)


class Pages:
    """Starlette endpoints bound to one store and site."""

    def __init__(
        self,
        store: Store,
        site: Site,
        configured: list[tuple[str, str, str]],
        stylesheet: bytes,
        is_current: Callable[[str], bool] = lambda _: True,
        held: Callable[[], held_items.Rows] = lambda: {"held": [], "problems": []},
    ) -> None:
        self.store, self.site, self.configured, self.held = store, site, configured, held
        self.stylesheet, self.is_current = stylesheet, is_current
        self.health = Health(self._ping)

    async def index(self, request: Request) -> Response:
        feeds = await run_in_threadpool(discovery.listed_feeds, self.store, self.is_current)
        shown = await run_in_threadpool(
            discovery.headlines, self.store, feeds, index_page.HEADLINES
        )
        body = index_page.index_html(self.site, feeds, shown).encode()
        return validated(request, body, "text/html; charset=utf-8", _newest(feeds))

    async def opml(self, request: Request) -> Response:
        feeds = await run_in_threadpool(discovery.listed_feeds, self.store, self.is_current)
        body = discovery.opml(self.site, feeds).encode()
        return validated(request, body, "text/x-opml; charset=utf-8", _newest(feeds))

    async def preview(self, request: Request) -> Response:
        """A feed's HTML preview, with validators like the index's; never indexed by robots."""
        key = parse_name(request.path_params["name"])
        found = None
        if key is not None and self.is_current(key.name):
            found = await run_in_threadpool(preview.stored, self.store, key)
        if key is None or found is None:
            return PlainTextResponse("no such feed\n", status_code=404)
        fmt, doc, formats = found
        body = preview.page(self.site, key, fmt, doc.body, formats).encode()
        answer = validated(request, body, "text/html; charset=utf-8", doc.changed_at)
        answer.headers["x-robots-tag"] = preview.ROBOTS
        return answer

    async def style(self, request: Request) -> Response:
        return Response(
            self.stylesheet,
            media_type="text/xsl; charset=utf-8",
            headers={"cache-control": "public, max-age=86400", **PAGE_HEADERS},
        )

    async def healthz(self, request: Request) -> Response:
        if self.store.corruption is not None:
            return PlainTextResponse("archive corrupt; writes refused\n", status_code=503)
        problem = await self.health.problem()
        if problem is not None:
            return PlainTextResponse(f"{problem}\n", status_code=503)
        return PlainTextResponse("ok\n")

    def _ping(self) -> None:
        with self.store.read() as conn:
            docs.latest_generation(conn)

    async def metrics(self, request: Request) -> Response:
        await run_in_threadpool(self._count_failing)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    def _count_failing(self) -> None:
        """Read the failing sources from the archive: whichever process polled them."""
        try:
            with self.store.read() as conn:
                failing = source_state.count_failing(conn, [sid for sid, _, _ in self.configured])
        except sa_exc.SQLAlchemyError:  # unreachable: keep the last count; /healthz says why
            return
        SOURCES_FAILING.set(failing)

    async def status_json(self, request: Request) -> Response:
        rows = await run_in_threadpool(status_rows, self.store, self.configured)
        refusals = await run_in_threadpool(refusal_rows, self.store)
        held = await run_in_threadpool(self.held)
        return JSONResponse(
            {"sources": rows, "publish_guard_refusals": refusals, "partner_feeds": held}
        )

    async def status_html(self, request: Request) -> Response:
        rows = await run_in_threadpool(status_rows, self.store, self.configured)
        refusals = await run_in_threadpool(refusal_rows, self.store)
        held = await run_in_threadpool(self.held)
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
            f"<p>{escape(json.dumps(len(rows)))} sources</p>{refusals_html(refusals)}"
            f"{held_items.held_html(held)}</body></html>"
        )
