"""Ingest row: fetch (local HTTP) + parse + normalize + upsert per entry vs feedparser alone."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

from bench import data
from bench.table import Result, verdict
from feeds.archive import open_store
from scheduler import jobs
from sources.model.spec import FetchSettings, SourceSpec

ENTRIES = 50
TARGET = "≤ 1.0× its time"


def upstream_feed(entries: int = ENTRIES) -> bytes:
    """A seeded RSS 2.0 feed: 50 entries with ~4 KB HTML bodies."""
    shape = data.Shape(sections=1, countries=3, body_bytes=4000)
    items = []
    for i in range(entries):
        raw = data.raw_item(shape, i, seed=200)
        when = format_datetime(datetime.fromisoformat(raw.published or ""))
        items.append(
            f"<item><title>{escape(raw.title or '')}</title><link>{escape(raw.url or '')}</link>"
            f'<guid isPermaLink="false">{raw.upstream_id}</guid><pubDate>{when}</pubDate>'
            f"<category>{raw.countries[0]}</category>"
            f"<description>{escape(raw.summary or '')}</description>"
            f"<content:encoded>{escape(raw.content or '')}</content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>Upstream</title><link>https://upstream.bench.example.com/</link>"
        "<description>bench</description>" + "".join(items) + "</channel></rss>"
    ).encode()


@contextmanager
def serve_bytes(body: bytes) -> Iterator[str]:
    """A threading HTTP server on 127.0.0.1 answering every GET with `body`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.rss"
    finally:
        server.shutdown()
        server.server_close()


def poll_once(url: str, work: Path, n: int) -> float:
    """Seconds for one poll of the upstream into a fresh archive (all entries new)."""
    store = open_store(f"sqlite:///{work}/ingest-{n}.db")
    spec = SourceSpec(id="upstream", kind="feed", url=url, interval_seconds=300, section="s00")
    settings = jobs.PollSettings(
        fetch=FetchSettings(host_gap_seconds=0.0),
        rules=data.rules(),
        owner="bench",
        work_dir=str(work),
    )
    started = time.perf_counter()
    outcome = jobs.poll(store, spec, settings, lambda: data.NOW, force=True)
    elapsed = time.perf_counter() - started
    store.dispose()
    if outcome.new != ENTRIES:
        raise RuntimeError(f"poll stored {outcome.new} of {ENTRIES} entries: {outcome}")
    return elapsed


def run(rounds: int) -> list[Result]:
    """The ingest row: medians over `rounds` polls and `rounds` feedparser parses."""
    body = upstream_feed()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp, serve_bytes(body) as url:
        ours = statistics.median(poll_once(url, Path(tmp), n) for n in range(rounds))
    theirs = statistics.median(_parse_time(body) for _ in range(rounds))
    ratio = ours / theirs
    return [
        Result(
            row="ingest: fetch(local)+parse+normalize+upsert per entry "
            f"[{len(body) // 1000} KB feed]",
            figure=f"{ours / ENTRIES * 1000:.2f} ms/entry",
            limit=f"feedparser.parse {theirs / ENTRIES * 1000:.2f} ms/entry",
            ratio=f"{ratio:.2f}×",
            target=TARGET,
            verdict=verdict(ratio <= 1.0),
        )
    ]


def _parse_time(body: bytes) -> float:
    started = time.perf_counter()
    result = feedparser.parse(body)
    elapsed = time.perf_counter() - started
    assert len(result.entries) == ENTRIES
    return elapsed
