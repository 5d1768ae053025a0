"""Intake on the archive, on SQLite and PostgreSQL: idempotency, edits, memberships."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import sqlalchemy as sa

from feeds import intake
from feeds.archive import archived, membership
from feeds.archive.engine import Store
from feeds.archive.tables import articles, feeds, memberships
from feeds.catalog import ComboRule
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SOURCE = SourceSpec(
    id="wire", kind="feed", url="https://wire.example.com/rss", interval_seconds=300,
    section="world", countries=("IN",),
)  # fmt: skip
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com",
        section_aliases=MappingProxyType({"world": (), "business": ("Economy",)}),
    ),
    combos=ComboRule("with-articles"),
)


def raw(n: int, **fields: object) -> RawItem:
    """A raw upstream item as a feed source reports it."""
    base = RawItem(
        source_id="wire",
        upstream_id=f"story-{n}",
        url=f"https://wire.example.com/2026/03/10/story-{n}",
        title=f"Story {n}",
        summary=f"What happened in story {n}.",
        published=f"2026-03-10T{8 + n:02d}:00:00Z",
        section="world",
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def snapshot(store: Store) -> tuple[list[tuple[object, ...]], ...]:
    """Every row intake writes, for before/after comparison."""
    with store.read() as conn:
        return tuple(
            [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
            for t in (articles, memberships, feeds)
        )


def members(store: Store, article_id: str) -> dict[str, bool]:
    """feed -> live for one article."""
    with store.read() as conn:
        q = sa.select(memberships.c.feed, memberships.c.live).where(
            memberships.c.article_id == article_id
        )
        return {r.feed: r.live for r in conn.execute(q)}


def test_new_items_are_stored_with_their_feeds_marked(store: Store) -> None:
    result = intake.take(store, SOURCE, [raw(1), raw(2)], RULES, now=NOW)
    assert (result.new, result.edited, result.unchanged) == (2, 0, 0)
    assert result.feeds == {"latest", "section/world", "country/in", "section/world/in"}
    with store.read() as conn:
        newest = membership.newest(conn, "section/world", 50)
    assert [a.title for a in newest] == ["Story 2", "Story 1"]


def test_same_raw_twice_changes_nothing(store: Store) -> None:
    intake.take(store, SOURCE, [raw(1), raw(2)], RULES, now=NOW)
    before = snapshot(store)
    again = intake.take(store, SOURCE, [raw(1), raw(2)], RULES, now=NOW + timedelta(hours=1))
    assert (again.new, again.edited, again.unchanged) == (0, 0, 2)
    assert again.feeds == set()
    assert snapshot(store) == before  # no row rewritten, no feed marked dirty again


def test_a_real_edit_keeps_identity_and_moves_updated(store: Store) -> None:
    first = intake.take(store, SOURCE, [raw(1)], RULES, now=NOW)
    later = NOW + timedelta(hours=2)
    edit = intake.take(store, SOURCE, [raw(1, title="Story 1, corrected")], RULES, now=later)
    assert (edit.new, edit.edited, edit.unchanged) == (0, 1, 0)
    assert edit.article_ids == first.article_ids
    with store.read() as conn:
        stored = archived.get(conn, first.article_ids[0])
    assert stored is not None
    assert stored.title == "Story 1, corrected"
    assert stored.published == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert stored.updated == later


def test_edit_is_found_by_url_when_the_upstream_id_is_gone(store: Store) -> None:
    first = intake.take(store, SOURCE, [raw(1)], RULES, now=NOW)
    edit = intake.take(store, SOURCE, [raw(1, upstream_id=None, title="New")], RULES, now=NOW)
    assert (edit.new, edit.edited) == (0, 1)
    assert edit.article_ids == first.article_ids


def test_section_move_touches_feeds_before_and_after(store: Store) -> None:
    first = intake.take(store, SOURCE, [raw(1)], RULES, now=NOW)
    (article_id,) = first.article_ids
    moved = intake.take(store, SOURCE, [raw(1, section="Economy")], RULES, now=NOW)
    assert moved.feeds == {
        "latest", "country/in",
        "section/world", "section/world/in",  # left: must be rebuilt without it
        "section/business", "section/business/in",  # joined
    }  # fmt: skip
    assert members(store, article_id) == {
        "latest": True, "country/in": True, "section/business": True, "section/business/in": True
    }  # fmt: skip
    with store.read() as conn:
        assert membership.newest(conn, "section/world", 50) == []
        assert [a.id for a in membership.newest(conn, "section/business", 50)] == [article_id]


def test_withdrawal_keeps_membership_as_a_tombstone(store: Store) -> None:
    (article_id,) = intake.take(store, SOURCE, [raw(1)], RULES, now=NOW).article_ids
    gone_at = NOW + timedelta(hours=1)
    result = intake.take(store, SOURCE, [raw(1, status="withdrawn")], RULES, now=gone_at)
    assert result.edited == 1
    assert set(members(store, article_id).values()) == {False}
    with store.read() as conn:
        assert membership.newest(conn, "latest", 50) == []
        ((guid, when, _url),) = membership.left_since(conn, "latest", NOW)
    assert guid.startswith("tag:news.example.com,2026:article/")
    assert when == gone_at


def test_positions_count_arrivals_per_feed(store: Store) -> None:
    intake.take(store, SOURCE, [raw(1), raw(2)], RULES, now=NOW)
    intake.take(store, SOURCE, [raw(3, section="Economy")], RULES, now=NOW)
    with store.read() as conn:
        rows = conn.execute(
            sa.select(memberships.c.feed, memberships.c.position).where(
                memberships.c.feed.in_(["latest", "section/business"])
            )
        ).all()
    positions: dict[str, list[int]] = {}
    for feed, position in rows:
        positions.setdefault(feed, []).append(position)
    assert sorted(positions["latest"]) == [1, 2, 3]
    assert positions["section/business"] == [1]
