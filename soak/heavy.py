"""Heavy work beside serving: eight large feeds polled at once, and a 1 MB push.

Figures: the service's memory high-water while eight near-max_bytes feeds of small items
(each on its own host, so all eight are fetched and parsed at the same time) are polled;
and how long /healthz waits while a 1 MB push of 1,700 articles is decoded and checked.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from soak import producers
from soak.figures import Figure, measured
from soak.service import Setup, free_port, get, peak_rss_mb, running

PHASE = "heavy"
FEEDS = 8
FEED_BYTES = 9_000_000
ITEM_BYTES = 1000  # many entries: feedparser's objects weigh most per byte of feed
MAX_BYTES = 10_000_000  # the service's default [fetch] max_bytes
MEMORY_TARGET_MB = 400  # 7710bd8 measured 464 and 471 MB here: all eight parsed at once
PUSH_ARTICLES = 1_700
STALL_TARGET_MS = 250  # 7710bd8: 603-791 ms here, the whole check on the event loop


def large_feed(tag: str, size: int = FEED_BYTES, item_bytes: int = ITEM_BYTES) -> bytes:
    """An RSS feed of about `size` bytes: items with descriptions of `item_bytes`."""
    text = "word " * (item_bytes // 5)
    items, total, n = [], 0, 0
    while total < size:
        item = (
            f"<item><title>{tag} story {n}</title><link>https://big.example.com/{tag}/{n}</link>"
            f"<guid isPermaLink='false'>urn:{tag}:{n}</guid><description>{n} {text}</description>"
            "</item>"
        )
        items.append(item)
        total += len(item)
        n += 1
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>big</title>"
        f"<link>https://big.example.com/</link><description>d</description>{''.join(items)}"
        "</channel></rss>"
    ).encode()


@contextlib.contextmanager
def large_upstreams(count: int, size: int = FEED_BYTES) -> Iterator[list[str]]:
    """`count` hosts (ports), each serving one large feed (`big0`, `big1` …); their URLs."""
    servers = []
    for k in range(count):
        body = large_feed(f"big{k}", size)

        class Handler(BaseHTTPRequestHandler):
            payload = body

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(self.payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(self.payload)

            def log_message(self, format: str, *args: object) -> None:
                return

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


def _sources(urls: list[str]) -> str:
    return "".join(
        f'\n[[sources]]\nid = "big-{k}"\nkind = "feed"\nurl = "{url}"\n'
        'interval_seconds = 600\nsection = "world"\n'
        for k, url in enumerate(urls)
    )


def _polled(setup: Setup) -> int:
    """How many of the large feeds have been polled and stored."""
    try:
        with urllib.request.urlopen(setup.base + "/status.json", timeout=10) as resp:
            rows = json.loads(resp.read())["sources"]
    except (OSError, ValueError, KeyError):
        return 0
    return sum(1 for r in rows if str(r["id"]).startswith("big-") and r["last_success"])


def large_feeds(work: Path) -> list[Figure]:
    """Eight large feeds polled at once: the service's memory high-water."""
    with large_upstreams(FEEDS) as urls:
        setup = Setup(work, free_port(), work / "heavy.db", _sources(urls), max_bytes=MAX_BYTES)
        with running(setup) as proc:
            deadline = time.monotonic() + 300
            while _polled(setup) < FEEDS and time.monotonic() < deadline:
                time.sleep(0.5)
            polled = _polled(setup)
            peak = peak_rss_mb(proc.pid)
    return [
        measured(
            PHASE, "large feeds polled at once and stored", polled, f"{FEEDS}", lambda v: v == FEEDS
        ),
        measured(
            PHASE,
            f"memory high-water, {FEEDS} feeds of {FEED_BYTES / 1e6:.0f} MB (MB)",
            peak,
            f"≤ {MEMORY_TARGET_MB}",
            lambda v: 0 < v <= MEMORY_TARGET_MB,
        ),
    ]


def push_stall(work: Path) -> list[Figure]:
    """The longest /healthz answer while a 1 MB push of 1,700 articles is taken."""
    batch = [producers.record(f"bulk-{n}", n, body_bytes=250) for n in range(PUSH_ARTICLES)]
    body = json.dumps(batch).encode()
    setup = Setup(
        work,
        free_port(),
        work / "push.db",
        env={"SOAK_API_TOKENS": producers.API_TOKEN},
        api_max_body=len(body) + 1000,
    )
    answers: list[float] = []
    done, pushing = threading.Event(), threading.Event()

    def probe() -> None:
        while not done.is_set():
            began, during = time.monotonic(), pushing.is_set()
            get(setup.base + "/healthz", timeout=10)
            if during and pushing.is_set():  # asked and answered while the push was taken
                answers.append((time.monotonic() - began) * 1000)
            time.sleep(0.005)

    with running(setup):
        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        pushing.set()
        status = producers.post_raw(setup.base, body, timeout=60)
        pushing.clear()
        done.set()
        thread.join(15)
    answers.sort()
    median = answers[len(answers) // 2] if answers else 0.0
    return [
        Figure(
            PHASE,
            f"{len(body) / 1e6:.1f} MB push of {PUSH_ARTICLES:,} articles answered",
            status,
            "202",
            status == 202,
        ),
        measured(
            PHASE,
            "slowest /healthz during the push (ms)",
            answers[-1] if answers else 0.0,
            f"≤ {STALL_TARGET_MS}",
            lambda v: 0 < v <= STALL_TARGET_MS,
        ),
        Figure(
            PHASE,
            "median /healthz during the push (ms)",
            round(median, 1),
            "",
            None,
            f"{len(answers)} probes",
        ),
    ]
