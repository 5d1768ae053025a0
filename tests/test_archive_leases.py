"""Leases in the archive, on SQLite and PostgreSQL: feed rebuilds and source polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_archive_intake import RULES, SOURCE, raw

from feeds import intake
from feeds.archive import queue, source_state
from feeds.archive.engine import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TTL = 120.0


def claim(store: Store, owner: str, now: datetime = NOW) -> dict[str, int]:
    """Claim dirty feeds as `owner`, in its own transaction."""
    with store.begin() as conn:
        return dict(queue.claim_dirty(conn, owner, now, TTL))


def finish(store: Store, owner: str, claimed: dict[str, int]) -> None:
    """Record every claimed feed as built up to the mark it was claimed at."""
    with store.begin() as conn:
        for name, seq in claimed.items():
            queue.finish(conn, name, owner, seq)


def test_dirty_feeds_are_claimed_by_one_owner_only(store: Store) -> None:
    intake.take(store, SOURCE, [raw(1)], RULES, now=NOW)
    got = claim(store, "a")
    assert set(got) == {"latest", "section/world", "country/in", "section/world/in"}
    assert claim(store, "b") == {}


def test_a_mark_during_a_rebuild_earns_exactly_one_more_run(store: Store) -> None:
    intake.take(store, SOURCE, [raw(1)], RULES, now=NOW)
    first = claim(store, "a")
    # two more articles arrive while "a" renders: the feeds are marked twice
    intake.take(store, SOURCE, [raw(2)], RULES, now=NOW)
    intake.take(store, SOURCE, [raw(3)], RULES, now=NOW)
    assert claim(store, "b") == {}  # still leased to "a"
    finish(store, "a", first)
    second = claim(store, "b")
    assert set(second) == set(first)
    assert all(second[name] > first[name] for name in first)
    finish(store, "b", second)
    assert claim(store, "c") == {}
    with store.read() as conn:
        assert queue.pending(conn) == 0


def test_an_expired_rebuild_lease_is_taken_over(store: Store) -> None:
    intake.take(store, SOURCE, [raw(1)], RULES, now=NOW)
    dead = claim(store, "dead")
    assert claim(store, "b", NOW + timedelta(seconds=TTL - 1)) == {}
    taken = claim(store, "b", NOW + timedelta(seconds=TTL + 1))
    assert taken == dead
    finish(store, "dead", dead)  # the old holder's late finish must not count
    with store.read() as conn:
        assert queue.pending(conn) == len(dead)
    finish(store, "b", taken)
    with store.read() as conn:
        assert queue.pending(conn) == 0


def test_a_failed_rebuild_releases_its_feed_for_another_run(store: Store) -> None:
    intake.take(store, SOURCE, [raw(1)], RULES, now=NOW)
    got = claim(store, "a")
    with store.begin() as conn:
        queue.release(conn, "latest", "a")
    assert claim(store, "b") == {"latest": got["latest"]}


def lease(store: Store, owner: str, now: datetime, ttl: float = 300) -> bool:
    """Try to lease the wire source for one poll."""
    with store.begin() as conn:
        return source_state.claim(conn, SOURCE.id, SOURCE.url, owner, now, ttl)


def test_a_source_lease_has_one_holder(store: Store) -> None:
    assert lease(store, "a", NOW)
    assert not lease(store, "b", NOW)
    assert not lease(store, "b", NOW + timedelta(seconds=299))
    with store.begin() as conn:
        source_state.release(conn, SOURCE.id, "a")
    assert lease(store, "b", NOW)


def test_a_dead_holders_source_lease_expires(store: Store) -> None:
    assert lease(store, "dead", NOW)
    assert lease(store, "b", NOW + timedelta(seconds=301))
    with store.begin() as conn:
        source_state.release(conn, SOURCE.id, "dead")  # too late: "b" holds it now
    assert not lease(store, "c", NOW + timedelta(seconds=302))


def test_saving_state_keeps_the_lease(store: Store) -> None:
    assert lease(store, "a", NOW)
    with store.begin() as conn:
        state = source_state.load(conn, SOURCE.id, SOURCE.url)
        source_state.save(conn, state)
    assert not lease(store, "b", NOW)
