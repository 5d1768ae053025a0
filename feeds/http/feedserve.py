"""The hot path: answer GET/HEAD for feed documents from prepared bytes (raw ASGI)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from feeds.http.cache import DocumentCache, Prepared
from feeds.http.conditional import choose_coding, is_fresh, matched_etag
from feeds.http.paths import feed_name, redirect_target
from feeds.http.ready import Headers, Ready, build_ready, with_etag
from feeds.metrics import HTTP_RESPONSES
from feeds.readers.tally import Tally
from feeds.readers.throttle import Throttle

log = logging.getLogger(__name__)


def _is_plain(scope: Scope) -> bool:
    """True when the request target had no percent-escapes: feed paths never need any.

    Rejecting encoded forms (%2e%2e, %2F, double encoding) before any lookup means no
    decoded variant of a path can reach anything but the exact-match table below.
    """
    raw = scope.get("raw_path")
    if raw is None:
        return True
    return bool(raw.split(b"?", 1)[0] == scope["path"].encode("utf-8", "surrogateescape"))


class FeedResponder:
    """Serves /feeds/…: 200 or 304 with strong per-coding ETags, never built per request."""

    def __init__(
        self,
        cache: DocumentCache,
        *,
        cache_control: str,
        history_cache_control: str,
        link_header: Callable[[str], str],
        redirects: Mapping[str, str],
        is_current: Callable[[str], bool],
        served: Mapping[str, str] | None = None,
        tally: Tally | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.cache = cache
        self.tally, self.throttle = tally, throttle
        self.cache_control = cache_control.encode()
        self.history_cache_control = history_cache_control.encode()
        self.link_header = link_header
        self.redirects = redirects
        # old path -> the feed served there too (`[[redirects]] serve = true`)
        self.served = {old: feed_name(target) for old, target in (served or {}).items()}
        self.is_current = is_current
        self._current_memo: dict[str, bool] = {}
        self._coding_memo: dict[tuple[bytes | None, bool], str] = {}
        self._ready_memo: dict[tuple[str, str], Ready] = {}
        self._count_200 = HTTP_RESPONSES.labels("200")
        self._count_304 = HTTP_RESPONSES.labels("304")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        if method not in ("GET", "HEAD"):
            await _plain(send, 405, b"method not allowed\n", [(b"allow", b"GET, HEAD")])
            return
        plain = _is_plain(scope)
        target = redirect_target(self.redirects, path) if plain and self.redirects else None
        if target is not None:
            await _redirect(send, target)
            return
        doc = self.cache.peek(path) if plain else None
        if doc is None:
            await self._miss(scope, send, path, plain, head=method == "HEAD")
        elif self._current(doc.feed):
            await self._document(scope, send, doc, head=method == "HEAD")
        else:
            # it existed, its section is gone: 410, never 404 (RFC 9110 §15.5.11)
            await _plain(send, 410, b"this feed no longer exists\n", [])

    def _current(self, name: str) -> bool:
        known = self._current_memo.get(name)
        if known is None:
            known = self._current_memo[name] = self.is_current(name)
        return known

    async def _miss(self, scope: Scope, send: Send, path: str, plain: bool, *, head: bool) -> None:
        """Not cached: check the path is a feed's, then read it through from the archive."""
        name = (feed_name(path) or self.served.get(path)) if plain else None
        if name is None:
            await _plain(send, 404, b"no such feed\n", [])
            return
        try:
            doc = await run_in_threadpool(self.cache.load, path)
        except Exception:  # the archive is down: log it, tell the client nothing about it
            log.exception("reading %s from the archive failed", path)
            doc = self.cache.last_good(path)
            if doc is None:
                await _plain(send, 503, b"temporarily unavailable\n", [(b"retry-after", b"30")])
                return
        if doc is None:
            await _plain(send, 404, b"no such feed\n", [])
        elif not self._current(doc.feed):  # the document's: a retired sitemap file's is gone
            await _plain(send, 410, b"this feed no longer exists\n", [])
        else:
            await self._document(scope, send, doc, head=head)

    async def _document(self, scope: Scope, send: Send, doc: Prepared, *, head: bool) -> None:
        accept = inm = ims = agent = None
        for key, value in scope["headers"]:
            # servers hand header names over lower-cased (ASGI spec)
            if key == b"accept-encoding":
                accept = value
            elif key == b"if-none-match":
                inm = value.decode("latin-1")
            elif key == b"if-modified-since":
                ims = value.decode("latin-1")
            elif key == b"user-agent":
                agent = value
        tally = self.tally
        conditional = inm is not None or ims is not None
        if (
            tally is not None
            and self.throttle is not None
            and await self._throttled(scope, send, doc, agent, conditional)
        ):
            return
        coding = self._coding(accept, "br" in doc.bodies)
        fresh = conditional and is_fresh(inm, ims, doc.all_etags, doc.changed_at)
        ready = self._ready(doc, coding)
        if fresh:
            etag = matched_etag(inm, doc.all_etags, doc.etags[coding])
            headers = ready.not_modified if etag == doc.etags[coding] else with_etag(ready, etag)
            self._count_304.inc()
            if tally is not None:
                tally.count(doc.feed, agent, 304, 0, None)
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = b"" if head else doc.bodies[coding]
        self._count_200.inc()
        if tally is not None:
            tally.count(doc.feed, agent, 200, len(body), doc.changed_ts)
        await send({"type": "http.response.start", "status": 200, "headers": ready.ok})
        await send({"type": "http.response.body", "body": body})

    async def _throttled(
        self,
        scope: Scope,
        send: Send,
        doc: Prepared,
        agent: bytes | None,
        conditional: bool,
    ) -> bool:
        """Answer 429 to a client re-downloading this document too often; True if it did.

        The client is the socket peer, or the X-Forwarded-For address uvicorn put in its
        place for a peer in `[server] forwarded_allow_ips` (scheduler/serving.py).
        """
        peer = scope.get("client")
        client = str(peer[0]) if peer else ""
        assert self.throttle is not None and self.tally is not None
        who = self.tally.consumer(agent)
        wait = self.throttle.wait(who, client, doc.path, conditional=conditional)
        if wait is None:
            return False
        self.tally.count(doc.feed, agent, 429, 0, None)
        headers = [(b"retry-after", str(wait).encode()), (b"cache-control", b"no-store")]
        await _plain(send, 429, b"polling too often; send If-None-Match\n", headers)
        return True

    def _coding(self, accept: bytes | None, has_br: bool) -> str:
        key = (accept, has_br)
        coding = self._coding_memo.get(key)
        if coding is None:
            coding = choose_coding(accept.decode("latin-1") if accept else None, has_br)
            if len(self._coding_memo) < 1024:  # clients send few distinct values
                self._coding_memo[key] = coding
        return coding

    def _ready(self, doc: Prepared, coding: str) -> Ready:
        """The response headers of one document in one coding, built once per version."""
        key = (doc.path, coding)
        ready = self._ready_memo.get(key)
        if ready is None or ready.generation != doc.generation or ready.doc is not doc:
            ready = build_ready(self, doc, coding)
            if len(self._ready_memo) > 3 * self.cache.max_entries:
                self._ready_memo.clear()
            self._ready_memo[key] = ready
        return ready


async def _redirect(send: Send, target: str) -> None:
    """301 to the replacement (relative Location, RFC 9110 §10.2.2), or 410 when gone."""
    if target:
        await _plain(send, 301, b"moved\n", [(b"location", target.encode())])
    else:
        await _plain(send, 410, b"this feed no longer exists\n", [])


async def _plain(send: Send, status: int, body: bytes, headers: Headers) -> None:
    """A short text answer that names no path, file or setting."""
    HTTP_RESPONSES.labels(str(status)).inc()
    base = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": base + headers})
    await send({"type": "http.response.body", "body": body})
