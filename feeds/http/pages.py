"""Pages for people and operators: the feed index, OPML, status, health, metrics.

The index is built in feeds/http/index_page.py, OPML in discovery.py, previews in preview.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from feeds.archive import documents as docs
from feeds.archive import source_state
from feeds.archive.engine import Store
from feeds.catalog import parse_name
from feeds.http import discovery, index_page, preview, status_data, status_page
from feeds.http import held as held_items
from feeds.http.conditional import http_date, is_fresh
from feeds.http.health import Health
from feeds.metrics import REGISTRY, SOURCES_FAILING
from feeds.site import Site

# is_fresh reads the date only for If-Modified-Since, dropped when a page has no date
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# as a docroot served by nginx gives them (its .gz and .br siblings vary by coding)
PAGE_HEADERS = {"vary": "Accept-Encoding", "x-content-type-options": "nosniff"}


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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.site, self.configured, self.held = store, site, configured, held
        self.stylesheet, self.is_current, self.clock = stylesheet, is_current, clock
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

    def _report(self) -> dict[str, object]:
        """Everything /status and /status.json show, read at one moment."""
        now = self.clock()
        refusals = status_data.refusal_rows(self.store)
        return {
            "sources": status_data.status_rows(self.store, self.configured, now),
            "publish_guard_refusals": refusals,
            "partner_feeds": self.held(),
            "held_feeds": status_data.held_feeds(refusals, now),
            "queues": status_data.queue_sizes(self.store),
            "generated": now.isoformat(),
        }

    async def status_json(self, request: Request) -> Response:
        report = await run_in_threadpool(self._report)
        return JSONResponse(report, headers={"cache-control": "no-store"})

    async def status_html(self, request: Request) -> Response:
        report = await run_in_threadpool(self._report)
        now = datetime.fromisoformat(str(report["generated"]))
        body = status_page.status_html(report, now)
        return HTMLResponse(body, headers={"cache-control": "no-store"})
