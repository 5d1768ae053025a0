"""Documents, generations, the serving cache and WebSub pings, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feeds.archive import documents as docs
from feeds.archive import pings
from feeds.archive.engine import Store, open_store
from feeds.build.drafts import prepare
from feeds.http.cache import DocumentCache

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def doc(path: str, body: bytes, now: datetime = NOW) -> docs.Document:
    """A storable document, prepared as publishing prepares one."""
    return prepare(path, path.split("/")[2].split(".")[0], "rss", body, 1, now)


def put(store: Store, *documents: docs.Document) -> list[int]:
    """Store documents in one transaction; return their generations."""
    with store.begin() as conn:
        return [docs.put(conn, d) for d in documents]


def test_put_then_get_returns_every_variant(store: Store) -> None:
    stored = doc("/feeds/latest.rss", b"<rss>one</rss>")
    put(store, stored)
    with store.read() as conn:
        got = docs.get(conn, "/feeds/latest.rss")
        assert docs.etag_of(conn, "/feeds/latest.rss") == (stored.etag, 1)
        assert docs.get(conn, "/feeds/nothing.rss") is None
    assert got is not None
    assert (got.body, got.gzip, got.br, got.etag) == (
        stored.body,
        stored.gzip,
        stored.br,
        stored.etag,
    )
    assert got.changed_at == NOW
    assert got.generation > 0


def test_generations_grow_with_every_write(store: Store) -> None:
    first = put(store, doc("/feeds/latest.rss", b"1"), doc("/feeds/latest.atom", b"1"))
    second = put(store, doc("/feeds/latest.rss", b"2"))
    assert first[0] < first[1] < second[0]
    with store.read() as conn:
        assert docs.latest_generation(conn) == second[0]
        # a rewritten path shows up once, at its newest generation
        assert docs.changed_since(conn, 0) == [
            ("/feeds/latest.atom", first[1]),
            ("/feeds/latest.rss", second[0]),
        ]
        assert docs.changed_since(conn, first[1]) == [("/feeds/latest.rss", second[0])]
        assert docs.changed_since(conn, second[0]) == []


def test_empty_archive_has_generation_zero(store: Store) -> None:
    with store.read() as conn:
        assert docs.latest_generation(conn) == 0
        assert docs.listing(conn) == []


def test_cache_follows_another_process_writes(store_url: str) -> None:
    writer, server = open_store(store_url), open_store(store_url)
    try:
        put(writer, doc("/feeds/latest.rss", b"<rss>old</rss>"))
        cache = DocumentCache(server)
        cache.refresh()
        old = cache.load("/feeds/latest.rss")
        assert old is not None
        assert cache.refresh() == 0  # nothing new: no reads of bodies
        new = doc("/feeds/latest.rss", b"<rss>new</rss>", NOW + timedelta(minutes=5))
        put(writer, new, doc("/feeds/latest.json", b"{}"))
        assert cache.refresh() == 1  # only the cached path is re-read
        fresh = cache.peek("/feeds/latest.rss")
        assert fresh is not None
        assert fresh.etags["identity"] == new.etag != old.etags["identity"]
        assert fresh.bodies["identity"] == b"<rss>new</rss>"
        assert cache.peek("/feeds/latest.json") is None  # loaded on demand, not pushed
    finally:
        writer.dispose()
        server.dispose()


def test_pings_are_queued_once_and_leased_to_one_sender(store: Store) -> None:
    hubs = ("https://hub.example.com/",)
    topics = ["https://news.example.com/feeds/latest.rss"]
    with store.begin() as conn:
        pings.enqueue(conn, hubs, topics, NOW)
        pings.enqueue(conn, hubs, topics, NOW)  # the same ping still waits: no second one
        assert pings.waiting(conn) == 1
    with store.begin() as conn:
        (ping,) = pings.claim(conn, "a", NOW, 60)
    assert (ping.hub, ping.topic, ping.attempts) == (hubs[0], topics[0], 0)
    with store.begin() as conn:
        assert pings.claim(conn, "b", NOW, 60) == []


def test_a_failed_ping_waits_then_is_retried(store: Store) -> None:
    with store.begin() as conn:
        pings.enqueue(conn, ("https://hub.example.com/",), ["https://x.example/feed"], NOW)
        (ping,) = pings.claim(conn, "a", NOW, 60)
        pings.retry(conn, ping.id, "503 from hub", NOW + timedelta(minutes=1))
    with store.begin() as conn:
        assert pings.claim(conn, "b", NOW + timedelta(seconds=30), 60) == []
        (again,) = pings.claim(conn, "b", NOW + timedelta(minutes=1), 60)
        assert again.attempts == 1
        pings.done(conn, again.id)
        assert pings.waiting(conn) == 0


def test_postgresql_plans_each_execution_and_keeps_the_url_options(store: Store) -> None:
    if store.is_sqlite:
        pytest.skip("PostgreSQL only: plan caching")
    with store.read() as conn:
        # a generic plan made while `documents` was empty kept a sequential scan
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
        # the test URL's own options (a private search_path) still apply
        assert conn.exec_driver_sql("SHOW search_path").scalar().startswith("t_")
