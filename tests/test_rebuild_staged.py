"""Rebuilds render outside the write lock and keep their leases alive (both engines)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy.engine import Connection
from test_archive_page_changes import full_check_writes
from test_archive_pages import BASE, NOW, NS, SITE, atom_chain, body, guids, ingest, raw, rebuild

from feeds.archive import documents as docs
from feeds.archive import queue
from feeds.archive.engine import Store
from feeds.archive.history_changes import Built
from feeds.build import publish

real_render_pages = publish.render_pages


def test_an_arrival_while_pages_render_is_stored_and_published_next(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, [raw(n) for n in range(1, 40)])  # 9 archive pages of 4: three writes
    arrived: list[int] = []

    def render_then_ingest(
        conn: Connection,
        site: object,
        feed: str,
        numbers: Iterable[int],
        built: Built,
        now: datetime,
    ) -> list[docs.Document]:
        out = real_render_pages(conn, SITE, feed, numbers, built, now)
        if feed == "latest" and not arrived:
            # an intake transaction while "latest" is mid-rebuild: it must not wait for it
            # (on SQLite a held write lock would make it wait 30 s and fail)
            arrived.append(40)
            ingest(store, [raw(40)], now=NOW + timedelta(seconds=1))
        return out

    monkeypatch.setattr(publish, "render_pages", render_then_ingest)
    rebuild(store)
    monkeypatch.undo()
    assert arrived == [40]
    with store.read() as conn:
        assert queue.pending(conn) == 0  # the pass claimed the arrival's feeds again
    latest = {i for _, ids in atom_chain(store, "latest") for i in ids}
    assert latest == guids(store, range(1, 41))
    assert full_check_writes(store) == set()  # every stored page matches its members


class Clock:
    """A clock that moves 50 s each time the rebuild reads it."""

    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=50)
        return self.at


def test_a_long_rebuild_keeps_the_lease_it_holds(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, [raw(n) for n in range(1, 40)])
    clock = Clock()
    taken_over: list[str] = []
    offered: set[str] = set()

    def render_then_claim(
        conn: Connection,
        site: object,
        feed: str,
        numbers: Iterable[int],
        built: Built,
        now: datetime,
    ) -> list[docs.Document]:
        out = real_render_pages(conn, SITE, feed, numbers, built, now)
        # another process polls the queue while this one is deep into a feed's pages
        with store.begin() as other:
            for name, _ in queue.claim_dirty(other, "other", clock.at, 120):
                offered.add(name)
                if name == feed:
                    taken_over.append(name)
                queue.release(other, name, "other")  # it gives them back untouched
        return out

    monkeypatch.setattr(publish, "render_pages", render_then_claim)
    report = publish.rebuild_dirty(store, SITE, owner="test", now=clock, lease_seconds=120)
    # the clock ran far past the first lease's end; the feed in progress kept its lease
    assert clock.at > NOW + timedelta(seconds=300)
    assert taken_over == []
    assert offered  # the feeds not yet started were free for the other process to take
    assert report.feeds == 4 and not report.failed
    with store.read() as conn:
        assert queue.pending(conn) == 0


def reachable_links_resolve(store: Store) -> None:
    """Every archive link of every document reachable from the served current Atom exists."""
    todo, seen = ["/feeds/latest.atom"], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = etree.fromstring(body(store, path))  # fails if the document is missing
        for rel in ("prev-archive", "next-archive"):
            hrefs = tree.xpath(f"a:link[@rel='{rel}']/@href", namespaces=NS)
            todo += [h.removeprefix(BASE) for h in hrefs]


def test_no_served_link_names_a_page_not_yet_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, [raw(n) for n in range(1, 12)])  # pages 1–2 of 4 items
    rebuild(store)
    ingest(store, [raw(n) for n in range(12, 60)], now=NOW + timedelta(minutes=1))
    checks: list[int] = []

    def check_then_render(
        conn: Connection,
        site: object,
        feed: str,
        numbers: Iterable[int],
        built: Built,
        now: datetime,
    ) -> list[docs.Document]:
        if feed == "latest":
            reachable_links_resolve(store)  # what earlier page writes left served
            checks.append(1)
        return real_render_pages(conn, SITE, feed, numbers, built, now)

    monkeypatch.setattr(publish, "render_pages", check_then_render)
    rebuild(store, NOW + timedelta(minutes=1))
    assert len(checks) >= 3  # page 2 is rewritten and 12 more are new: several writes
    reachable_links_resolve(store)
