"""Shared helpers for HTTP tests: a temp config, a service over SQLite, a real server."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn

from feeds import intake
from feeds.archive import documents as docs
from feeds.build import publish
from feeds.http.app import App
from scheduler.config import Config, load
from scheduler.service import Service
from sources.kinds.records import items_from_records
from sources.model.spec import SourceSpec

BASE_URL = "http://feeds.test"

CONFIG = """
[site]
title = "Test Ledger"
base_url = "{base_url}"
authority = "news.test"

[store]
url = "sqlite:///{db}"

[scheduler]
min_interval_seconds = 1
jitter_seconds = 0

[feeds]
cache_max_age = 120
stale_while_revalidate = 30
stale_if_error = 600

[websub]
hubs = [{hubs}]

[api]
tokens_env = "{tokens_env}"
max_body_bytes = {max_body}

[[sections]]
slug = "world"
title = "World"
aliases = ["International"]

[[sections]]
slug = "business"
title = "Business"

[[sections]]
slug = "india"
title = "India"

[[redirects]]
from = "/feeds/section/sport"
to = "/feeds/section/world"

[[redirects]]
from = "/feeds/all.rss"
to = "/feeds/latest.rss"

[[redirects]]
from = "/feeds/section/weather"
to = ""
"""


def write_config(
    tmp: Path,
    *,
    hubs: tuple[str, ...] = (),
    tokens_env: str = "",
    max_body: int = 20_000,
    extra: str = "",
) -> Config:
    """A validated Config over a fresh SQLite archive in `tmp` (`extra`: more TOML tables)."""
    path = tmp / "config.toml"
    path.write_text(
        extra
        + CONFIG.format(
            base_url=BASE_URL,
            db=tmp / "db" / "archive.db",
            hubs=", ".join(json.dumps(h) for h in hubs),
            tokens_env=tokens_env or f"NEWSFEEDS_TEST_TOKENS_{uuid.uuid4().hex[:8]}",
            max_body=max_body,
        ),
        encoding="utf-8",
    )
    return load(path)


def spec(source_id: str = "wire", section: str = "world") -> SourceSpec:
    """A plain source for tests that ingest directly."""
    return SourceSpec(id=source_id, kind="files", url="", interval_seconds=60, section=section)


def record(n: int, **fields: object) -> dict[str, object]:
    """One CMS-format article, distinct per `n`."""
    base: dict[str, object] = {
        "id": f"story-{n}",
        "url": f"https://news.test/story/{n}",
        "title": f"Story number {n}",
        "summary": f"What happened in story {n}.",
        "published": f"2026-03-0{1 + n % 8}T09:{n % 60:02d}:00Z",
    }
    base.update(fields)
    return base


def ingest(
    service: Service, records: list[dict[str, object]], *, at: datetime, source: SourceSpec
) -> intake.IntakeResult:
    """Take records into the archive as `source` would, at a fixed time."""
    raws = items_from_records(source.id, "batch.json", json.dumps(records).encode())
    return intake.take(service.store, source, raws, service.cfg.intake, now=at)


def rebuild(service: Service, app: App | None, at: datetime) -> list[str]:
    """Rebuild dirty feeds at a fixed time; the app forgets what changed."""
    report = publish.rebuild_dirty(
        service.store,
        service.site,
        owner="test",
        now=lambda: at,
        on_change=app.cache.drop if app is not None else None,
    )
    return report.changed


def stored(service: Service, path: str) -> docs.Document:
    """The stored document at a path (it must exist)."""
    with service.store.read() as conn:
        doc = docs.get(conn, path)
    assert doc is not None, path
    return doc


@dataclass
class Reply:
    """A raw HTTP answer: nothing decoded, nothing normalized."""

    status: int
    headers: dict[str, str]
    body: bytes
    header_list: list[tuple[str, str]] = field(default_factory=list)


def fetch(
    port: int,
    target: str,
    headers: dict[str, str] | None = None,
    *,
    method: str = "GET",
    body: bytes | Any = None,
    chunked: bool = False,
) -> Reply:
    """Send one request with the target exactly as given (no dot-segment cleanup)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {}, encode_chunked=chunked)
        resp = conn.getresponse()
        data = resp.read()
        pairs = [(k.lower(), v) for k, v in resp.getheaders()]
        return Reply(resp.status, dict(pairs), data, pairs)
    finally:
        conn.close()


@contextmanager
def serving(app: App, **options: Any) -> Iterator[int]:
    """Run the app under uvicorn on a free 127.0.0.1 port in a thread; yield the port.

    `options` go to uvicorn.Config (e.g. the proxy-header settings of a config)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_config=None, access_log=False, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    eventually(lambda: server.started, timeout=10)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def eventually(check: Callable[[], object], *, timeout: float = 5.0) -> None:
    """Wait until `check()` is truthy, or fail."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
