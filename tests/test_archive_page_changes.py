"""Rebuilds of archived feeds touch only new and changed pages (page_changes), on both engines.

The reference for every case is the full check (every stored page compared with a count of
its members): after the incremental rebuilds, forgetting the summaries and rebuilding every
feed that way must write nothing.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa

from feeds.archive import documents as document_rows
from feeds.archive import pruning, queue
from feeds.archive.engine import Store
from feeds.archive.tables import articles, documents, feeds, page_changes
from feeds.build import publish
from tests.test_archive_pages import NOW, SITE, atom_chain, guids, ingest, raw, rebuild


def full_check_writes(store: Store) -> set[str]:
    """What a rebuild of every feed writes once the summaries are forgotten."""
    with store.begin() as conn:
        conn.execute(feeds.update().values(archive_pages=None, archive_shape=None))
        queue.mark_dirty(conn, queue.all_feed_names(conn))
    return rebuild(store, NOW + timedelta(hours=1))


def no_full_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a rebuild lists every stored page (the check whose cost grows with the archive)."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a rebuild listed every stored page")

    monkeypatch.setattr(document_rows, "stored_pages", refuse)


def test_a_new_arrival_renders_no_old_page(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(store, [raw(n) for n in range(1, 40)])  # 39 arrivals: 9 pages of 4
    rebuild(store)
    no_full_check(monkeypatch)
    ingest(store, [raw(40)], now=NOW + timedelta(minutes=1))
    changed = {p for p in rebuild(store, NOW + timedelta(minutes=1)) if "/feeds/latest" in p}
    assert changed == {f"/feeds/latest.{f}" for f in ("rss", "atom", "json")}
    ingest(store, [raw(n) for n in range(41, 44)], now=NOW + timedelta(minutes=2))
    changed = {p for p in rebuild(store, NOW + timedelta(minutes=2)) if "/feeds/latest/" in p}
    # page 10 is published; page 9 gains its next-archive link (JSON Feed has none)
    assert changed == {
        *(f"/feeds/latest/archive/10.{f}" for f in ("rss", "atom", "json")),
        "/feeds/latest/archive/9.rss",
        "/feeds/latest/archive/9.atom",
    }
    monkeypatch.undo()
    assert full_check_writes(store) == set()


def test_withdrawal_and_restoration_reach_their_page(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, [raw(n) for n in range(1, 24)])
    rebuild(store)
    no_full_check(monkeypatch)
    gone = guids(store, [6])
    later = NOW + timedelta(minutes=5)
    ingest(store, [raw(6, status="withdrawn")], now=later)
    changed = rebuild(store, later)
    assert "/feeds/latest/archive/2.atom" in changed  # story 6 sat at position 6: page 2
    assert not any("/archive/1." in p or "/archive/3." in p for p in changed)
    ids = [i for _, e in atom_chain(store, "latest") for i in e]
    assert not gone & set(ids) and len(ids) == 22
    ingest(store, [raw(6, title="Story 6, restored")], now=later + timedelta(minutes=5))
    assert "/feeds/latest/archive/2.atom" in rebuild(store, later + timedelta(minutes=5))
    ids = [i for _, e in atom_chain(store, "latest") for i in e]
    assert gone <= set(ids) and len(ids) == 23
    monkeypatch.undo()
    assert full_check_writes(store) == set()


def test_a_member_moved_to_another_feed_leaves_its_page(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 24)])
    rebuild(store)
    later = NOW + timedelta(minutes=5)
    ingest(store, [raw(3, countries=("FR",))], now=later)
    changed = rebuild(store, later)
    assert "/feeds/country/in/archive/1.atom" in changed, sorted(changed)
    in_ids = [i for _, e in atom_chain(store, "country/in") for i in e]
    assert len(in_ids) == 22 and not guids(store, [3]) & set(in_ids)
    assert full_check_writes(store) == set()


def test_pruned_members_leave_their_pages(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 24)])
    rebuild(store)
    with store.begin() as conn:
        ids = list(
            conn.execute(sa.select(articles.c.id).order_by(articles.c.published).limit(2)).scalars()
        )
        pruning.prune(conn, ids, NOW)
    changed = rebuild(store, NOW + timedelta(minutes=1))
    assert "/feeds/latest/archive/1.atom" in changed
    assert sum(len(e) for _, e in atom_chain(store, "latest")) == 21
    assert full_check_writes(store) == set()


def test_changes_are_consumed_by_the_build_that_saw_them(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 24)])
    rebuild(store)
    ingest(store, [raw(6, status="withdrawn")], now=NOW + timedelta(minutes=5))
    with store.read() as conn:
        noted = conn.execute(sa.select(sa.func.count()).select_from(page_changes)).scalar()
    assert noted and noted >= 3  # latest, its section and its country at least
    rebuild(store, NOW + timedelta(minutes=5))
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(page_changes)).scalar() == 0


def archive_etags(store: Store, feed: str) -> dict[str, str]:
    """path -> ETag of every stored archive page of a feed."""
    stem = f"/feeds/{feed}/archive/"
    with store.read() as conn:
        rows = conn.execute(sa.select(documents.c.path, documents.c.etag)).all()
    return {path: etag for path, etag in rows if path.startswith(stem)}


def test_a_new_page_size_applies_only_to_new_pages(store: Store) -> None:
    """Issue 17, case 8: on 7710bd8 widening pages re-cut every page and left page 5 served,
    unlinked, repeating the stories of the new page 4 (RFC 5005 §4: pages never change)."""
    ingest(store, [raw(n) for n in range(1, 24)])  # 5 pages of 4, then the current 3
    rebuild(store)
    before = archive_etags(store, "latest")
    wider = dataclasses.replace(SITE, archive_page_items=5)
    with store.begin() as conn:
        queue.mark_dirty(conn, queue.all_feed_names(conn))
    publish.rebuild_dirty(store, wider, owner="test", now=lambda: NOW)
    assert archive_etags(store, "latest") == before  # not one byte of a published page moved
    later = NOW + timedelta(minutes=5)
    ingest(store, [raw(n) for n in range(24, 34)], now=later)
    publish.rebuild_dirty(store, wider, owner="test", now=lambda: later)
    chain = atom_chain(store, "latest")
    # (33 - 3 - 20) // 5 = 2 new pages of 5 after the five pages of 4
    assert [len(ids) for _, ids in chain[1:]] == [5, 5, 4, 4, 4, 4, 4]
    stored = archive_etags(store, "latest")
    assert sorted(stored) == sorted(f"{p.rsplit('.', 1)[0]}.{f}" for p, _ in chain[1:] for f in
                                    ("rss", "atom", "json"))  # fmt: skip
    unchanged = {p: e for p, e in before.items() if "/archive/5." not in p}
    assert {p: stored[p] for p in unchanged} == unchanged  # page 5 gained a next link only
    every = [i for _, ids in chain for i in ids]
    assert len(every) == len(set(every)) == 33
    assert full_check_writes(store) == set()  # the full check agrees with the layout


def test_a_narrower_page_size_before_any_page_is_published(store: Store) -> None:
    ingest(store, [raw(n) for n in range(1, 6)])  # (5 - 3) // 4 = 0 pages yet
    rebuild(store)
    narrow = dataclasses.replace(SITE, archive_page_items=2)
    with store.begin() as conn:
        queue.mark_dirty(conn, queue.all_feed_names(conn))
    publish.rebuild_dirty(store, narrow, owner="test", now=lambda: NOW)
    # nothing was published at 4: every page is cut at 2, from page 1
    assert [len(ids) for _, ids in atom_chain(store, "latest")[1:]] == [2]


def test_pages_built_before_the_layout_was_stored_keep_their_size(store: Store) -> None:
    """An archive from before migration 0005: its shape says the size every page has."""
    ingest(store, [raw(n) for n in range(1, 24)])
    rebuild(store)
    before = archive_etags(store, "latest")
    with store.begin() as conn:
        conn.execute(feeds.update().values(archive_layout=None, archive_shape="4|rss,atom,json|"))
        queue.mark_dirty(conn, queue.all_feed_names(conn))
    wider = dataclasses.replace(SITE, archive_page_items=5)
    publish.rebuild_dirty(store, wider, owner="test", now=lambda: NOW)
    assert archive_etags(store, "latest") == before
