"""The hot path: answer GET/HEAD for feed documents from prepared bytes (raw ASGI)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from feeds.http.cache import DocumentCache, Prepared
from feeds.http.conditional import choose_coding, is_fresh
from feeds.metrics import HTTP_RESPONSES

log = logging.getLogger(__name__)

FEED_PATH = re.compile(
    r"^/feeds/(latest|section/[a-z0-9-]+(?:/[a-z]{2})?|country/[a-z]{2})"
    r"(?:/archive/[1-9][0-9]{0,8})?\.(?:rss|atom|json)$"
)


class FeedResponder:
    """Serves /feeds/…: 200 or 304 with strong per-coding ETags, never built per request."""

    def __init__(
        self,
        cache: DocumentCache,
        *,
        cache_control: str,
        archive_cache_control: str,
        link_header: Callable[[str], str],
        redirects: Mapping[str, str],
        is_current: Callable[[str], bool],
    ) -> None:
        self.cache = cache
        self.cache_control = cache_control.encode()
        self.archive_cache_control = archive_cache_control.encode()
        self.link_header = link_header
        self.redirects = redirects
        self.is_current = is_current

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        if method not in ("GET", "HEAD"):
            await self._plain(send, 405, b"method not allowed\n", [(b"allow", b"GET, HEAD")])
            return
        target = self.redirects.get(path)
        if target is not None:
            await self._redirect(send, target)
            return
        doc = self.cache.peek(path)
        if doc is None and FEED_PATH.match(path):
            try:
                doc = await run_in_threadpool(self.cache.load, path)
            except Exception:  # the archive is down: say so without details
                log.exception("reading %s from the archive failed", path)
                await self._plain(
                    send, 503, b"temporarily unavailable\n", [(b"retry-after", b"30")]
                )
                return
        if doc is None:
            await self._plain(send, 404, b"no such feed\n", [])
            return
        if not self.is_current(doc.feed):
            await self._plain(send, 410, b"this feed no longer exists\n", [])
            return
        await self._document(scope, send, doc, head=method == "HEAD")

    async def _document(self, scope: Scope, send: Send, doc: Prepared, *, head: bool) -> None:
        headers = _headers(scope)
        coding = choose_coding(
            headers.get(b"accept-encoding", b"").decode("latin-1"), "br" in doc.bodies
        )
        inm = headers.get(b"if-none-match")
        ims = headers.get(b"if-modified-since")
        cache_control = (
            self.archive_cache_control if "/archive/" in doc.path else self.cache_control
        )
        common = [
            (b"etag", doc.etags[coding].encode()),
            (b"last-modified", doc.last_modified.encode()),
            (b"cache-control", cache_control),
            (b"vary", b"Accept-Encoding"),
            (b"link", self.link_header(doc.path).encode()),
        ]
        fresh = is_fresh(
            inm.decode("latin-1") if inm is not None else None,
            ims.decode("latin-1") if ims is not None else None,
            doc.all_etags,
            doc.changed_at,  # type: ignore[arg-type]
        )
        if fresh:
            HTTP_RESPONSES.labels("304").inc()
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        body = doc.bodies[coding]
        extra = [
            (b"content-type", doc.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
        ]
        if coding != "identity":
            extra.append((b"content-encoding", coding.encode()))
        HTTP_RESPONSES.labels("200").inc()
        await send({"type": "http.response.start", "status": 200, "headers": common + extra})
        await send({"type": "http.response.body", "body": b"" if head else body})

    async def _redirect(self, send: Send, target: str) -> None:
        status = 301 if target else 410
        headers = [(b"location", target.encode())] if target else []
        await self._plain(send, status, b"moved\n" if target else b"gone\n", headers)

    async def _plain(
        self, send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        HTTP_RESPONSES.labels(str(status)).inc()
        base = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": base + headers})
        await send({"type": "http.response.body", "body": body})


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope["headers"]}
