"""Large feeds polled at once take turns in memory: one near-max_bytes document at a time.

Issue 17, case 8: eight large feeds polled at once peaked at 525 MB, every document being
downloaded and parsed at the same time. The soak's `heavy` phase measures the memory; this
test counts how many large documents were being parsed at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sources import budget, feed
from sources.collect import CollectContext
from sources.spec import FetchSettings, SourceSpec
from sources.state import SourceState

FEEDS = 4
MAX_BYTES = 2_500_000
SETTINGS = FetchSettings(max_bytes=MAX_BYTES, host_gap_seconds=0.0, deadline_seconds=120.0)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def large_feed(tag: str) -> bytes:
    """An RSS feed of about 2 MB."""
    text = "word " * 800
    items = "".join(
        f"<item><title>{tag} {n}</title><link>https://big.example.com/{tag}/{n}</link>"
        f"<guid>{tag}-{n}</guid><description>{text}</description></item>"
        for n in range(480)
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>big</title>"
        f"<link>https://big.example.com/</link><description>d</description>{items}"
        "</channel></rss>"
    ).encode()


@contextlib.contextmanager
def hosts() -> Iterator[list[str]]:
    """FEEDS upstreams, each on its own port (so politeness lets them go at once)."""
    servers = []
    for k in range(FEEDS):
        payload = large_feed(f"f{k}")

        class Handler(BaseHTTPRequestHandler):
            body = payload

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(self.body)))
                self.end_headers()
                self.wfile.write(self.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield [f"http://127.0.0.1:{s.server_address[1]}/feed.rss" for s in servers]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


class Overlap:
    """Counts parses under way at once; each waits a moment for the others to join it."""

    def __init__(self) -> None:
        self.active = self.most = 0
        self.changed = threading.Condition()

    def around(self, real: Any) -> Any:
        def probe(*args: Any, **kwargs: Any) -> Any:
            with self.changed:
                self.active += 1
                self.most = max(self.most, self.active)
                self.changed.notify_all()
                # gives the other polls every chance to parse beside this one
                self.changed.wait_for(lambda: self.active == FEEDS, timeout=1.0)
            try:
                return real(*args, **kwargs)
            finally:
                with self.changed:
                    self.active -= 1

        return probe


def test_large_feeds_polled_at_once_are_parsed_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    overlap = Overlap()
    monkeypatch.setattr(feed, "parse_feed", overlap.around(feed.parse_feed))
    ctx = CollectContext(now=NOW, fetch=SETTINGS)
    results: list[int] = []
    with hosts() as urls:
        threads = [
            threading.Thread(
                target=lambda u=url, k=k: results.append(
                    len(
                        feed.collect(
                            SourceSpec(f"big-{k}", "feed", u, 60, "world"),
                            SourceState(f"big-{k}", u),
                            ctx,
                        ).items
                    )
                )
            )
            for k, url in enumerate(urls)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert results == [480] * FEEDS  # every feed was read whole
    assert overlap.most == 1  # and no two large documents were in memory at once
    assert budget.for_documents(MAX_BYTES).peak <= MAX_BYTES
