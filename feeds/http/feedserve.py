"""The hot path: answer GET/HEAD for feed documents from prepared bytes (raw ASGI)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from feeds.http.cache import DocumentCache, Prepared
from feeds.http.conditional import choose_coding, is_fresh, matched_etag
from feeds.metrics import HTTP_RESPONSES

log = logging.getLogger(__name__)

FEED_PATH = re.compile(
    r"^/feeds/(latest|section/[a-z0-9-]+(?:/[a-z]{2})?|country/[a-z]{2})"
    r"(?:/archive/[1-9][0-9]{0,8})?\.(?:rss|atom|json)$"
)

Headers = list[tuple[bytes, bytes]]


def feed_name(path: str) -> str | None:
    """The feed a document path belongs to (archive pages included), or None."""
    m = FEED_PATH.match(path)
    return m.group(1) if m else None


def redirect_target(redirects: Mapping[str, str], path: str) -> str | None:
    """Where a moved feed went: an exact `from`, or a `from` stem followed by . or /.

    A stem rule (from = "/feeds/section/sport") covers every format, country and archive
    page of the renamed section. "" means gone (410).
    """
    exact = redirects.get(path)
    if exact is not None:
        return exact
    for src, dst in redirects.items():
        if path.startswith(src) and path[len(src) : len(src) + 1] in (".", "/"):
            return dst + path[len(src) :] if dst else ""
    return None


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
            await _plain(send, 405, b"method not allowed\n", [(b"allow", b"GET, HEAD")])
            return
        target = redirect_target(self.redirects, path) if _is_plain(scope) else None
        if target is not None:
            await _redirect(send, target)
            return
        name = feed_name(path) if _is_plain(scope) else None
        if name is None:
            await _plain(send, 404, b"no such feed\n", [])
            return
        doc = self.cache.peek(path)
        if doc is None:
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
        elif not self.is_current(name):
            # it existed, its section is gone: 410, never 404 (RFC 9110 §15.5.11)
            await _plain(send, 410, b"this feed no longer exists\n", [])
        else:
            await self._document(scope, send, doc, head=method == "HEAD")

    async def _document(self, scope: Scope, send: Send, doc: Prepared, *, head: bool) -> None:
        headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
        coding = choose_coding(headers.get(b"accept-encoding"), "br" in doc.bodies)
        inm = headers.get(b"if-none-match")
        fresh = is_fresh(inm, headers.get(b"if-modified-since"), doc.all_etags, doc.changed_at)
        etag = matched_etag(inm, doc.all_etags, doc.etags[coding]) if fresh else doc.etags[coding]
        archive = "/archive/" in doc.path
        # RFC 9110 §15.4.5: a 304 carries the ETag, Cache-Control and Vary a 200 would
        common = [
            (b"etag", etag.encode()),
            (b"last-modified", doc.last_modified.encode()),
            (b"cache-control", self.archive_cache_control if archive else self.cache_control),
            (b"vary", b"Accept-Encoding"),
            (b"link", self.link_header(doc.path).encode()),
        ]
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
