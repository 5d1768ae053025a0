"""Which paths answer what: traversal attempts, moved and removed feeds, a dead archive."""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from http_support import fetch, ingest, rebuild, record, serving, spec, stored, write_config

from scheduler.service import Service

T1 = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)

_FS_EVENTS = ("open", "os.listdir", "os.scandir", "os.stat", "os.walk", "pathlib.Path.glob")
_watch: dict[str, Any] = {"on": False, "seen": []}
_lock = threading.Lock()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watch["on"] and event in _FS_EVENTS:
        with _lock:
            _watch["seen"].append((event, repr(args)[:200]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one is inert unless watching


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, int]]:
    """World, business and a since-removed 'opinion' section, all built and served."""
    service = Service(write_config(tmp_path_factory.mktemp("paths")))
    app = service.make_app()
    service.app = app
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    ingest(service, [record(2)], at=T1, source=spec("desk", "business"))
    # a section the config no longer lists: its documents are still in the archive
    ingest(service, [record(3)], at=T1, source=spec("columns", "opinion"))
    rebuild(service, app, T1)
    with serving(app) as port:
        yield service, port
    service.store.dispose()


TRAVERSALS = [
    "/feeds/../config.toml",
    "/feeds/../../../../etc/passwd",
    "/feeds/%2e%2e/config.toml",
    "/feeds/%2E%2E/%2E%2E/config.toml",
    "/feeds/..%2fconfig.toml",
    "/feeds/..%2Fconfig.toml",
    "/feeds/%252e%252e/config.toml",
    "/feeds/%252e%252e%252fconfig.toml",
    "/feeds\\..\\config.toml",
    "/feeds/..\\config.toml",
    "/feeds/..%5cconfig.toml",
    "/%2e%2e/config.toml",
    "/feeds/latest.rss/../../config.toml",
    "/feeds/section%2Fworld.rss",  # decodes to a real feed: an encoded path is still refused
    "/feeds/section/world.rss%00.toml",
    "/feeds/section/./world.rss",
    "/feeds//section/world.rss",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_attempts_get_404_without_file_access(
    served: tuple[Service, int], target: str
) -> None:
    with _lock:
        _watch["seen"].clear()
    _watch["on"] = True
    try:
        reply = fetch(served[1], target)
    finally:
        _watch["on"] = False
    assert reply.status == 404
    assert b"toml" not in reply.body and b"/" not in reply.body.strip()
    touched = [e for e in _watch["seen"] if "config" in e[1] or "passwd" in e[1]]
    assert touched == []


def test_the_plain_path_works(served: tuple[Service, int]) -> None:
    assert fetch(served[1], "/feeds/section/world.rss").status == 200


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/feeds/section/sport.rss", "/feeds/section/world.rss"),
        ("/feeds/section/sport.atom", "/feeds/section/world.atom"),
        ("/feeds/section/sport/in.json", "/feeds/section/world/in.json"),
        ("/feeds/section/sport/archive/2.atom", "/feeds/section/world/archive/2.atom"),
        ("/feeds/all.rss", "/feeds/latest.rss"),
    ],
)
def test_redirects_table_answers_301(
    served: tuple[Service, int], target: str, location: str
) -> None:
    reply = fetch(served[1], target)
    assert reply.status == 301
    assert reply.headers["location"] == location


def test_a_stem_rule_does_not_catch_longer_slugs(served: tuple[Service, int]) -> None:
    assert fetch(served[1], "/feeds/section/sports.rss").status == 404  # never existed


@pytest.mark.parametrize(
    "target",
    [
        "/feeds/section/opinion.rss",
        "/feeds/section/opinion.atom",
        "/feeds/section/opinion.json",
        "/feeds/section/weather.atom",  # [[redirects]] with an empty `to`
    ],
)
def test_removed_sections_are_gone_not_missing(served: tuple[Service, int], target: str) -> None:
    reply = fetch(served[1], target)
    assert reply.status == 410
    assert reply.body == b"this feed no longer exists\n"


def test_the_removed_sections_documents_are_really_stored(served: tuple[Service, int]) -> None:
    assert stored(served[0], "/feeds/section/opinion.rss").item_count == 1


def test_other_methods_on_feeds_are_405(served: tuple[Service, int]) -> None:
    reply = fetch(served[1], "/feeds/latest.rss", method="POST", body=b"x")
    assert reply.status == 405
    assert reply.headers["allow"] == "GET, HEAD"


def test_metrics_count_responses_by_status(served: tuple[Service, int]) -> None:
    fetch(served[1], "/feeds/latest.rss")
    fetch(served[1], "/no-such-page")
    text = fetch(served[1], "/metrics").body.decode()
    assert 'newsfeeds_http_responses_total{status="200"}' in text
    assert 'newsfeeds_http_responses_total{status="404"}' in text
    for name in ("newsfeeds_polls", "newsfeeds_feed_rebuilds", "newsfeeds_rebuild_seconds",
                 "newsfeeds_websub_pings", "newsfeeds_articles_ingested"):  # fmt: skip
        assert name in text, name


def test_a_dead_archive_never_turns_a_served_feed_into_a_5xx(tmp_path: Path) -> None:
    service = Service(write_config(tmp_path))
    app = service.make_app()
    service.app = app
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    changed = rebuild(service, app, T1)
    with serving(app) as port:
        cached = {p: fetch(port, p).body for p in ("/feeds/latest.rss", "/feeds/section/world.rss")}
        app.cache.drop(["/feeds/section/world.rss"])  # as after a rebuild: re-read on next GET
        service.store.dispose()
        shutil.move(tmp_path / "db", tmp_path / "db-gone")  # new connections cannot open it
        for path, body in cached.items():
            reply = fetch(port, path)
            assert reply.status == 200, path
            assert reply.body == body
        never_read = fetch(port, "/feeds/section/world.json")
        assert "/feeds/section/world.json" in changed
        assert never_read.status == 503  # never served by this process: nothing to fall back on
        assert never_read.body == b"temporarily unavailable\n"
        health = fetch(port, "/healthz")
        assert health.status == 503
        assert str(tmp_path).encode() not in health.body
        assert b"Traceback" not in health.body
