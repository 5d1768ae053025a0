"""Compose the ASGI application: the feed hot path, pages, and the push API."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from feeds.archive.engine import Store
from feeds.http.admin import AdminAccess, AdminGuard
from feeds.http.cache import DocumentCache
from feeds.http.feedserve import FeedResponder
from feeds.http.held import Rows
from feeds.http.pages import Pages
from feeds.http.partner_gate import PartnerGate
from feeds.http.readers_pages import ReaderPages
from feeds.metrics import HTTP_RESPONSES
from feeds.readers.runtime import Analytics
from feeds.site import Site

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """HTTP behaviour from config."""

    cache_max_age: int = 300
    stale_while_revalidate: int = 60
    stale_if_error: int = 86400
    history_max_age: int = 6 * 3600
    refresh_seconds: float = 1.0
    redirects: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # old path -> the feed document served there too (`[[redirects]] serve = true`)
    served: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def cache_control(self, max_age: int) -> str:
        """Cache-Control for a feed; never `Expires: 0` or no-store (Miniflux ignores ETags)."""
        return (
            f"public, max-age={max_age}, stale-while-revalidate={self.stale_while_revalidate}, "
            f"stale-if-error={self.stale_if_error}"
        )


def stylesheet() -> bytes:
    """The XSLT that makes a feed readable in a browser, read once at start-up."""
    return (Path(__file__).resolve().parent.parent / "static" / "style.xsl").read_bytes()


class App:
    """The ASGI entry point: /feeds/* on the fast path, everything else via Starlette."""

    def __init__(
        self,
        store: Store,
        site: Site,
        settings: ServeSettings,
        *,
        configured_sources: list[tuple[str, str, str]],
        is_current: Callable[[str], bool],
        extra_routes: list[Route] | None = None,
        admin: AdminAccess | None = None,
        analytics: Analytics | None = None,
        partner_secrets: Mapping[str, str] | None = None,
        held: Callable[[], Rows] | None = None,
    ) -> None:
        self.cache = DocumentCache(store)
        self.settings = settings
        self.analytics = analytics
        self.feeds = FeedResponder(
            self.cache,
            cache_control=settings.cache_control(settings.cache_max_age),
            history_cache_control=settings.cache_control(settings.history_max_age),
            link_header=lambda path: _link_header(site, path),
            redirects=settings.redirects,
            is_current=is_current,
            served=settings.served,
            tally=analytics.tally if analytics else None,
            throttle=analytics.throttle if analytics else None,
        )
        readers = ReaderPages(analytics)
        self.partners = PartnerGate(self.feeds, partner_secrets or {})
        pages = Pages(store, site, configured_sources, stylesheet(), is_current)
        if held is not None:
            pages.held = held
        routes = [
            Route("/", pages.index),
            Route("/feeds.opml", pages.opml),
            Route("/feeds/style.xsl", pages.style),
            Route("/feeds/{name:path}.html", pages.preview),
            Route("/healthz", pages.healthz),
            Route("/metrics", pages.metrics),
            Route("/status", pages.status_html),
            Route("/status.json", pages.status_json),
            Route("/status/readers", readers.html),
            Route("/status/readers.json", readers.json),
            *(extra_routes or []),
        ]
        self.starlette = Starlette(routes=routes, lifespan=self._lifespan)
        self.guarded = AdminGuard(self.starlette, admin or AdminAccess())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith(("/feeds/", "/sitemaps/")) and not _is_page(path):
                await self.feeds(scope, receive, send)
                return
            if path.startswith("/partners/"):
                await self.partners(scope, receive, send)
                return
            if path in self.settings.redirects or path in self.settings.served:
                await self.feeds(scope, receive, send)
                return

            async def counted(message: Message) -> None:
                if message["type"] == "http.response.start":
                    HTTP_RESPONSES.labels(str(message["status"])).inc()
                await send(message)

            await self.guarded(scope, receive, counted)
            return
        await self.starlette(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Any) -> AsyncIterator[None]:
        # Everything alive now is the program itself (modules, classes, the app): a full
        # collection scanning it frees nothing, yet holds the GIL ~60 ms and stalls every
        # request. Frozen, those objects are skipped by every later collection.
        gc.freeze()
        tasks = [asyncio.create_task(self._follow_archive())]
        if self.analytics is not None:
            tasks.append(asyncio.create_task(_flush_each(self.analytics)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self.analytics is not None:  # the last seconds' counts too
                self.analytics.flusher.take()
                with contextlib.suppress(Exception):
                    await run_in_threadpool(self.analytics.flusher.store_pending)

    async def _follow_archive(self) -> None:
        """See other processes' rebuilds; on archive errors keep serving what we have."""
        while True:
            try:
                await run_in_threadpool(self.cache.refresh)
            except Exception:
                log.warning("archive not reachable; serving cached documents", exc_info=True)
            await asyncio.sleep(self.settings.refresh_seconds)


async def _flush_each(analytics: Analytics) -> None:
    """Move counts to the archive every few seconds; an archive error keeps them for later."""
    while True:
        await asyncio.sleep(analytics.settings.flush_seconds)
        analytics.flusher.take()
        try:
            await run_in_threadpool(analytics.flusher.store_pending)
        except Exception:
            log.warning("reader counts not stored yet; will retry", exc_info=True)


def _is_page(path: str) -> bool:
    """A page for people under /feeds/ (the stylesheet, a preview), not a feed document."""
    return path == "/feeds/style.xsl" or path.endswith(".html")


def _link_header(site: Site, path: str) -> str:
    """WebSub discovery as HTTP Link headers (W3C WebSub §4)."""
    links = [f'<{hub}>; rel="hub"' for hub in site.hubs]
    links.append(f'<{site.base_url}{path}>; rel="self"')
    return ", ".join(links)
