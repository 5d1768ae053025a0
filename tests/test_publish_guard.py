"""The publish guard: an unexplained collapse keeps the last good document and is reported."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from feeds import intake
from feeds.archive import documents as docs
from feeds.archive.engine import Store
from feeds.build import guard, publish
from feeds.catalog import ComboRule
from feeds.http.status_data import refusal_rows
from feeds.http.status_page import guard_html
from feeds.metrics import GUARD_REFUSALS
from feeds.site import Site
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=10)
SITE = Site(title="Ledger", base_url="https://news.example.com", authority="news.example.com",
            publish_guard_share=0.5)  # fmt: skip
SOURCE = SourceSpec(id="wire", kind="feed", url="https://wire.example.com/rss",
                    interval_seconds=300, section="world")  # fmt: skip
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com",
        section_aliases=MappingProxyType({"world": (), "business": ()}),
    ),
    combos=ComboRule("none"),
)
WORLD = "/feeds/section/world.atom"


def raw(n: int, **fields: object) -> RawItem:
    base = RawItem(
        source_id="wire", upstream_id=f"s{n}", url=f"https://wire.example.com/s{n}",
        title=f"Story {n}", summary=f"Summary {n}.", section="world",
        published=(NOW - timedelta(hours=n)).isoformat(),
    )  # fmt: skip
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def etags(store: Store, *paths: str) -> list[str | None]:
    with store.read() as conn:
        return [(e[0] if (e := docs.etag_of(conn, p)) else None) for p in paths]


def published(store: Store, n: int = 10) -> list[str | None]:
    intake.take(store, SOURCE, [raw(i) for i in range(1, n + 1)], RULES, now=NOW)
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: NOW)
    return etags(store, WORLD, "/feeds/section/world.rss", "/feeds/section/world.json")


def test_relabelled_upstream_keeps_last_good_document(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    good = published(store)
    refused_before = GUARD_REFUSALS._value.get()
    # the upstream suddenly files every story under another section: world would empty
    relabelled = [raw(i, section="business", title=f"Story {i}!") for i in range(1, 11)]
    intake.take(store, SOURCE, relabelled, RULES, now=LATER)
    with caplog.at_level(logging.WARNING, logger="feeds.guard"):
        report = publish.rebuild_dirty(store, SITE, owner="t", now=lambda: LATER)
    assert etags(store, WORLD, "/feeds/section/world.rss", "/feeds/section/world.json") == good
    assert not any(p.startswith("/feeds/section/world") for p in report.changed)
    assert "/feeds/section/business.atom" in report.changed  # other feeds still publish
    assert GUARD_REFUSALS._value.get() == refused_before + 1
    assert "section/world" in caplog.text and "from 10 to 0 items" in caplog.text
    (row,) = refusal_rows(store)
    assert row["feed"] == "section/world" and "from 10 to 0 items" in str(row["message"])
    assert "section/world" in guard_html([], [row], LATER)


def test_force_publishes_what_the_guard_refused(store: Store) -> None:
    good = published(store)
    intake.take(store, SOURCE, [raw(i, section="business") for i in range(1, 11)], RULES, now=LATER)
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: LATER)
    assert etags(store, WORLD)[0] == good[0]
    publish.mark_all(store)
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: LATER, force=True)
    assert etags(store, WORLD)[0] != good[0]
    with store.read() as conn:
        doc = docs.get(conn, WORLD)
    assert doc is not None and doc.item_count == 0


def test_withdrawals_explain_a_large_drop(store: Store) -> None:
    good = published(store)
    gone = [raw(i, status="withdrawn") for i in range(1, 9)]
    intake.take(store, SOURCE, gone, RULES, now=LATER)
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: LATER)
    assert etags(store, WORLD)[0] != good[0]
    with store.read() as conn:
        doc = docs.get(conn, WORLD)
    assert doc is not None and doc.item_count == 2
    assert refusal_rows(store) == []


def test_a_drop_within_the_share_is_published(store: Store) -> None:
    published(store)
    moved = [raw(i, section="business") for i in range(1, 5)]  # 4 of 10: below half
    intake.take(store, SOURCE, moved, RULES, now=LATER)
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: LATER)
    with store.read() as conn:
        doc = docs.get(conn, WORLD)
    assert doc is not None and doc.item_count == 6
    assert refusal_rows(store) == []


def test_small_feeds_are_not_guarded(store: Store) -> None:
    published(store, n=guard.MIN_ITEMS - 1)
    moved = [raw(i, section="business") for i in range(1, guard.MIN_ITEMS)]
    intake.take(store, SOURCE, moved, RULES, now=LATER)
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: LATER)
    with store.read() as conn:
        doc = docs.get(conn, WORLD)
    assert doc is not None and doc.item_count == 0


def test_lowering_feeds_items_is_no_collapse(store: Store) -> None:
    # a section×country feed (not archived) holds exactly `items`: 10, then 4 after a config change
    rules = dataclasses.replace(RULES, combos=ComboRule("with-articles"))
    combo = "/feeds/section/world/in.rss"
    intake.take(store, SOURCE, [raw(i, countries=("IN",)) for i in range(1, 11)], rules, now=NOW)
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: NOW)
    publish.mark_all(store)
    refusals = GUARD_REFUSALS._value.get()
    publish.rebuild_dirty(store, dataclasses.replace(SITE, items=4), owner="t", now=lambda: LATER)
    assert GUARD_REFUSALS._value.get() == refusals
    with store.read() as conn:
        doc = docs.get(conn, combo)
        assert doc is not None and doc.item_count == 4
