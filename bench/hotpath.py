"""The reader-analytics cost on the hot path itself: CPU µs per ASGI call, on against off.

Over TCP on a shared, loaded machine the req/s of two runs differ by far more than 5 %, so
this row also times the app in-process: the same request to the same document, 50,000
times a run, five alternating runs each way, CPU time (not wall time) per call.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import serving
from bench.table import Result, verdict
from feeds.http.app import App
from scheduler.config import load
from scheduler.service import Service

AGENT = b"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )"
TARGET = "on ≤ off + 5 % of a request at 35k req/s (28.6 µs)"


def run(calls: int) -> list[Result]:
    """A row each for a 200 (gzip) and a 304."""
    with tempfile.TemporaryDirectory(prefix="bench-hotpath-") as tmp:
        work = Path(tmp)
        url, doc, items = serving.build_archive(work)
        apps = {}
        for mode in ("on", "off"):
            (work / mode).mkdir()
            config = serving.write_config(work / mode, url, serving.free_port(), items)
            if mode == "off":
                text = config.read_text(encoding="utf-8")
                config.write_text(text + "\n[analytics]\nenabled = false\n", encoding="utf-8")
            apps[mode] = Service(load(config)).make_app()
        etag = ('"' + doc.etag.strip('"') + '-gz"').encode()
        return [
            _row("hot path, 200 gzip, analytics on vs off (CPU µs per call)", apps, None, calls),
            _row("hot path, 304, analytics on vs off (CPU µs per call)", apps, etag, calls),
        ]


def _row(name: str, apps: dict[str, App], etag: bytes | None, calls: int) -> Result:
    runs: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(5):
        for mode in ("on", "off"):
            runs[mode].append(asyncio.run(_time(apps[mode], etag, calls)))
    on, off = statistics.median(runs["on"]), statistics.median(runs["off"])
    added = on - off
    return Result(
        row=name,
        figure=f"on {on:.2f} µs ({min(runs['on']):.2f}–{max(runs['on']):.2f})",
        limit=f"off {off:.2f} µs ({min(runs['off']):.2f}–{max(runs['off']):.2f})",
        ratio=f"+{added:.2f} µs = {added / 28.6:.1%} of 28.6 µs",
        target=TARGET,
        verdict=verdict(added <= 0.05 * 28.6),
    )


async def _time(app: App, etag: bytes | None, calls: int) -> float:
    headers = [(b"accept-encoding", b"gzip"), (b"user-agent", AGENT)]
    if etag is not None:
        headers.append((b"if-none-match", etag))
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": serving.PATH,
        "raw_path": serving.PATH.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: Any) -> None:
        return None

    await app(scope, receive, send)  # reads the document through once
    start = time.process_time()
    for _ in range(calls):
        await app(scope, receive, send)
    return (time.process_time() - start) / calls * 1e6
