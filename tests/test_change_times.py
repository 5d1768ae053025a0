"""Change times are whole seconds and strictly increasing, on SQLite and PostgreSQL.

nginx derives its ETag (hex mtime - hex size) and Last-Modified from the file's mtime in
seconds, so the stored change time must be the same whole second in every process, and a
second change within one second must still move it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser

from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.build.drafts import prepare, render_docs
from feeds.build.storing import store_changed
from feeds.site import Site, meta_for

T = datetime(2026, 3, 10, 12, 0, 0, 400_000, tzinfo=UTC)
WHOLE = T.replace(microsecond=0)
SITE = Site(title="News", base_url="https://feeds.example.com", authority="example.com")
PATH = "/feeds/latest.rss"


def _store(store: Store, body: bytes, now: datetime) -> datetime:
    """Store one version of PATH through the publish path; its stored change time."""
    with store.begin() as conn:
        store_changed(conn, SITE, [prepare(PATH, "latest", "rss", body, 1, now)], now)
    with store.read() as conn:
        got = docs.get(conn, PATH)
    assert got is not None
    return got.changed_at


def test_a_change_time_is_whole_seconds(store: Store) -> None:
    assert _store(store, b"<rss>1</rss>", T) == WHOLE


def test_a_second_change_within_one_second_is_dated_a_second_later(store: Store) -> None:
    first = _store(store, b"<rss>1</rss>", T)
    second = _store(store, b"<rss>2</rss>", T + timedelta(milliseconds=300))
    third = _store(store, b"<rss>3</rss>", T + timedelta(milliseconds=500))
    assert (second - first, third - second) == (timedelta(seconds=1), timedelta(seconds=1))


def test_same_bytes_keep_their_change_time(store: Store) -> None:
    first = _store(store, b"<rss>1</rss>", T)
    assert _store(store, b"<rss>1</rss>", T + timedelta(hours=1)) == first


def test_a_later_change_takes_the_clock_again(store: Store) -> None:
    _store(store, b"<rss>1</rss>", T)
    later = T + timedelta(minutes=5)
    assert _store(store, b"<rss>2</rss>", later) == later.replace(microsecond=0)


def test_an_empty_feed_changed_within_a_second_carries_its_bumped_change_time() -> None:
    meta = meta_for(SITE, "latest")
    (atom,) = render_docs(
        Site(title="News", base_url=SITE.base_url, authority="example.com", formats=("atom",)),
        meta,
        [],
        T,
        stored={"/feeds/latest.atom": ('"another version"', WHOLE)},
    )
    assert atom.changed_at == WHOLE + timedelta(seconds=1)
    updated = feedparser.parse(atom.body).feed.updated_parsed
    assert datetime(*updated[:6], tzinfo=UTC) == atom.changed_at


def test_every_writer_gets_the_rule_not_only_feed_rebuilds(store: Store) -> None:
    # sitemaps and partner feeds store through docs.put_many directly
    with store.begin() as conn:
        docs.put_many(conn, [prepare(PATH, "latest", "rss", b"<rss>1</rss>", 1, T)])
        docs.put_many(conn, [prepare(PATH, "latest", "rss", b"<rss>2</rss>", 1, T)])
    with store.read() as conn:
        got = docs.get(conn, PATH)
    assert got is not None and got.changed_at == WHOLE + timedelta(seconds=1)
