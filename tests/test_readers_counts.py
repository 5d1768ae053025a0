"""Reader counts: the in-memory tally, its flush into the archive on both engines, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feeds.archive import readers as rows
from feeds.archive.engine import Store
from feeds.readers import tally as tally_module
from feeds.readers.flush import Flusher, subscriber_totals
from feeds.readers.recognize import Recognizer
from feeds.readers.report import build, parse_since
from feeds.readers.tally import Tally

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FEEDLY = b"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 134 subscribers; )"
FEEDBIN_A = b"Feedbin feed-id:1306543 - 3 subscribers"
FEEDBIN_B = b"Feedbin feed-id:2000935 - 13 subscribers"
# not a real string: a crawler made to report a count, to show crawlers never add to sums
CRAWLER_WITH_COUNT = b"Mozilla/5.0 (compatible; bingbot/2.0; 500 subscribers)"


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> float:
        return self.at.timestamp()


def tally_at(clock: Clock) -> Tally:
    return Tally(Recognizer(), clock)


def serve(tally: Tally, agent: bytes, status: int, sent: int = 100, feed: str = "latest") -> None:
    tally.count(feed, agent, status, sent, T0.timestamp() if status == 200 else None)


def test_requests_statuses_and_bytes_per_feed_family_and_hour() -> None:
    clock = Clock()
    tally = tally_at(clock)
    serve(tally, FEEDLY, 200)
    serve(tally, FEEDLY, 304, 0)
    clock.at = T0 + timedelta(hours=1, minutes=5)
    serve(tally, FEEDLY, 429, 0)
    serve(tally, b"curl/8.5.0", 200, 7, feed="section/world")
    batch, totals = tally.drain()
    got = {(r["feed"], r["family"], r["hour"]): r for r in batch.hits}
    first = got[("latest", "feedly", T0)]
    assert (first["requests"], first["ok"], first["not_modified"], first["bytes"]) == (2, 1, 1, 100)
    assert got[("latest", "feedly", T0 + timedelta(hours=1))]["other"] == 1
    assert got[("section/world", "curl", T0 + timedelta(hours=1))]["bytes"] == 7
    assert totals == {("feedly", "200"): 1, ("feedly", "304"): 1, ("feedly", "other"): 1,
                      ("curl", "200"): 1}  # fmt: skip
    assert tally.drain()[0].is_empty()


def test_subscribers_sum_latest_per_feed_id_never_crawlers(store: Store) -> None:
    clock = Clock()
    tally = tally_at(clock)
    for agent in (FEEDBIN_A, FEEDBIN_B, FEEDLY, CRAWLER_WITH_COUNT):
        serve(tally, agent, 304, 0)
    clock.at += timedelta(minutes=10)
    serve(tally, b"Feedbin feed-id:1306543 - 4 subscribers", 304, 0)  # the latest count wins
    serve(tally, b"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 130 subscribers; )", 304, 0)
    flusher = Flusher(store, tally, retention_days=90)
    flusher.take()
    flusher.store_pending()
    with store.read() as conn:
        found = rows.subscribers_since(conn, T0)
    assert subscriber_totals(found) == {"feedbin": 17, "feedly": 130}


def test_two_processes_flushing_the_same_hour_add_up(store: Store) -> None:
    clock = Clock()
    one, two = tally_at(clock), tally_at(clock)
    for tally in (one, two, one):
        serve(tally, FEEDLY, 304, 0)
    for tally in (one, two):
        flusher = Flusher(store, tally, retention_days=90)
        flusher.take()
        flusher.store_pending()
    with store.read() as conn:
        (hit,) = rows.hits_since(conn, T0)
    assert (hit["requests"], hit["not_modified"]) == (3, 3)


def test_pickup_is_the_first_fetch_after_the_change_across_processes(store: Store) -> None:
    clock = Clock()
    early, late = tally_at(clock), tally_at(clock)
    for tally in (early, late):
        serve(tally, FEEDLY, 304, 0)  # both saw feedly before the change at T0 + 30 min
    changed = T0 + timedelta(minutes=30)
    for tally, minutes in ((late, 50), (early, 40), (early, 45)):
        clock.at = T0 + timedelta(minutes=minutes)
        tally.count("latest", FEEDLY, 200, 10, changed.timestamp())
    for tally in (late, early):
        flusher = Flusher(store, tally, retention_days=90)
        flusher.take()
        flusher.store_pending()
    report = build(store, {"feedly": "aggregator"}, now=clock.at, span=parse_since("2h"), feed=None)
    (fam,) = report["feeds"][0]["families"]
    assert fam["median_pickup_seconds"] == 600.0


def test_a_family_first_seen_after_a_change_times_no_pickup() -> None:
    clock = Clock()
    tally = tally_at(clock)
    clock.at = T0 + timedelta(hours=1)
    tally.count("latest", FEEDLY, 200, 10, T0.timestamp())  # a new subscriber's first fetch
    assert tally.drain()[0].pickups == []


def test_counts_older_than_retention_are_pruned(store: Store) -> None:
    clock = Clock()
    tally = tally_at(clock)
    serve(tally, FEEDLY, 200)
    clock.at = T0 + timedelta(days=91)
    serve(tally, FEEDLY, 200)
    flusher = Flusher(store, tally, retention_days=90)
    flusher.take()
    flusher.store_pending()
    with store.read() as conn:
        assert [h["hour"] for h in rows.hits_since(conn, T0)] == [T0 + timedelta(days=91)]


def test_made_up_agents_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tally_module, "_ROWS_MAX", 1000)
    tally = tally_at(Clock())
    for n in range(1500):  # each a new feed id: past the bound they count as "other"
        tally.count("latest", f"Feedbin feed-id:{n} - 1 subscribers".encode(), 304, 0, None)
    batch = tally.drain()[0]
    assert len(batch.subscribers) == 1000
    assert {r["family"]: r["requests"] for r in batch.hits} == {"feedbin": 1000, "other": 500}


def test_since_is_checked() -> None:
    assert parse_since("90m") == timedelta(minutes=90)
    assert parse_since("7d") == timedelta(days=7)
    for bad in ("", "24", "0h", "1w", "-1h"):
        try:
            parse_since(bad)
        except ValueError as exc:
            assert "since" in str(exc)
        else:
            raise AssertionError(bad)
