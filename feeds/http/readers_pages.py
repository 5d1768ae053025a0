"""/status/readers and /status/readers.json (private, as every /status page is)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from feeds.readers.page import readers_html
from feeds.readers.report import parse_since
from feeds.readers.runtime import Analytics


class ReaderPages:
    """The readers report over HTTP; `?since=24h&feed=KEY` as the CLI takes them."""

    def __init__(self, analytics: Analytics | None) -> None:
        self.analytics = analytics

    async def _report(self, request: Request) -> dict[str, object] | Response:
        try:
            span = parse_since(request.query_params.get("since", "24h"))
        except ValueError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400)
        feed = request.query_params.get("feed") or None
        analytics = self.analytics
        if analytics is None:
            return {"enabled": False, "since": "", "until": "", "feeds": []}
        analytics.flusher.take()  # this process's counts so far, then every process's
        await run_in_threadpool(analytics.flusher.store_pending)
        found = await run_in_threadpool(analytics.report, span, feed)
        return {"enabled": True, **found}

    async def json(self, request: Request) -> Response:
        found = await self._report(request)
        if isinstance(found, Response):
            return found
        return JSONResponse(found, headers={"cache-control": "no-store"})

    async def html(self, request: Request) -> Response:
        found = await self._report(request)
        if isinstance(found, Response):
            return found
        body = readers_html(found, enabled=bool(found["enabled"]))
        return HTMLResponse(body, headers={"cache-control": "no-store"})
