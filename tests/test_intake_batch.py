"""Batched intake: one poll decided item by item, written in bulk, on SQLite and PostgreSQL.

Each case of the table below is one item of a poll with what intake must make of it, written
out: new, edited, unchanged or rejected, and the archived article it leaves (title, source,
status) or the key it records. A whole poll in one call and each item in its own call must
both end in exactly that archive.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds import intake
from feeds.archive import archived, pruning
from feeds.archive.codec import load_article
from feeds.archive.engine import Store
from feeds.archive.tables import article_keys, articles, memberships, pruned
from feeds.catalog import ComboRule
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
WIRE = SourceSpec(
    id="wire", kind="feed", url="https://wire.example.com/rss", interval_seconds=300,
    section="world", countries=("IN",),
)  # fmt: skip
DESK = dataclasses.replace(WIRE, id="desk", url="https://desk.example.com/rss", countries=())
OWNER = dataclasses.replace(DESK, id="owner", authoritative=True)
AGENCY = dataclasses.replace(DESK, id="agency")  # rights = "exclude": archived, in no feed
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com",
        section_aliases=MappingProxyType({"world": (), "business": ("Economy",)}),
    ),
    combos=ComboRule("with-articles"),
    unpublished_sources=frozenset({"agency"}),
)

Take = Callable[[Connection, SourceSpec, Sequence[RawItem]], list[intake.IntakeResult]]


def raw(n: int, source: str = "wire", **fields: Any) -> RawItem:
    """A raw upstream item as a feed source reports it."""
    base = RawItem(
        source_id=source,
        upstream_id=f"story-{n}",
        url=f"https://wire.example.com/2026/03/10/story-{n}",
        title=f"Story {n}",
        summary=f"What happened in story {n}.",
        published=f"2026-03-10T{n % 12:02d}:00:00Z",
        section="world",
        countries=("IN", "FR")[: 1 + n % 2],
    )
    return dataclasses.replace(base, **fields)


Take = Callable[[Connection, SourceSpec, Sequence[RawItem]], intake.IntakeResult]


def by_batch(conn: Connection, source: SourceSpec, items: Sequence[RawItem]) -> intake.IntakeResult:
    """The whole poll in one take_all."""
    return intake.take_all(conn, source, items, RULES, now=NOW)


def one_by_one(
    conn: Connection, source: SourceSpec, items: Sequence[RawItem]
) -> intake.IntakeResult:
    """Each item in a take_all of its own, the counts added up."""
    total = intake.IntakeResult()
    for item in items:
        one = intake.take_all(conn, source, [item], RULES, now=NOW)
        total.new, total.edited = total.new + one.new, total.edited + one.edited
        total.unchanged += one.unchanged
        total.rejected += one.rejected
    return total


def seed(store: Store) -> None:
    """The wire's stories 1-4 and 14; story 4 since pruned, 14 with a stray pruned marker."""
    stories = [raw(n) for n in (1, 2, 3, 4, 14)]
    intake.take(store, WIRE, stories, RULES, now=NOW - timedelta(days=1))
    with store.begin() as conn:
        four, fourteen = (archived.find(conn, [f"up:wire:story-{n}"]) for n in (4, 14))
        assert four is not None and fourteen is not None
        pruning.prune(conn, [four.id], NOW - timedelta(hours=1))
        # a marker beside a row that is still there: is_pruned() wins over an edit
        marker = {"article_id": fourteen.id, "guid": fourteen.guid, "url": "https://x.example/"}
        conn.execute(pruned.insert().values(**marker, raw_hash="0", pruned_at=NOW))


# (source, item, what intake makes of it). Every poll of the wire is one batch, in this order.
CASES: list[tuple[SourceSpec, RawItem, str]] = [
    (WIRE, raw(1), "unchanged"),  # a re-poll
    (WIRE, raw(2, title="Story 2, updated"), "edited"),
    (WIRE, raw(5), "new"),
    (WIRE, raw(6), "new"),
    (WIRE, raw(5, title="Story 5, corrected"), "edited"),  # its edit in the same batch
    (WIRE, raw(5, title="Story 5, corrected"), "unchanged"),  # … polled twice in it
    (WIRE, raw(4), "unchanged"),  # pruned: an old story, not news
    (WIRE, raw(4, upstream_id="story-4-again"), "unchanged"),  # pruned, found by its URL
    (WIRE, raw(7, status="withdrawn"), "new"),  # withdrawn from the start
    (WIRE, raw(8, upstream_id=None), "new"),  # known by its URL only …
    (WIRE, raw(8, summary="Now with an id."), "edited"),  # … then with an id: one more key
    (WIRE, raw(9, upstream_id=None, url=None), "rejected"),  # no identity
    (WIRE, raw(10, url="ftp://wire.example.com/10"), "rejected"),  # no web link
    (WIRE, raw(11, upstream_id="story-11", url=raw(6).url), "edited"),  # story 6's URL
    (WIRE, raw(14, title="Story 14, edited"), "unchanged"),  # marked pruned: stays
    (DESK, raw(1, "desk", title="Desk's take"), "unchanged"),  # first source wins
    (DESK, raw(12, "desk"), "new"),
    (OWNER, raw(3, "owner", upstream_id="story-3", title="Story 3, as owned"), "edited"),
    (AGENCY, raw(13, "agency"), "new"),
    (AGENCY, raw(13, "agency", title="Agency 13, revised"), "edited"),
]
REJECTED = [
    "Story 9: no id, no URL",
    "source 'wire': item 'Story 10' has no http(s) link (url='ftp://wire.example.com/10', "
    "upstream id='story-10')",
]
# What the archive holds afterwards, by the key that first named each story.
ARCHIVED = {
    "up:wire:story-1": ("Story 1", "wire", "embargoed"),  # seeded a day before its time
    "up:wire:story-2": ("Story 2, updated", "wire", "live"),
    "up:wire:story-3": ("Story 3, as owned", "owner", "live"),
    "up:wire:story-5": ("Story 5, corrected", "wire", "live"),
    "up:wire:story-6": ("Story 11", "wire", "live"),
    "up:wire:story-7": ("Story 7", "wire", "withdrawn"),
    "url://wire.example.com/2026/03/10/story-8": ("Story 8", "wire", "live"),
    "up:wire:story-14": ("Story 14", "wire", "embargoed"),
    "up:desk:story-12": ("Story 12", "desk", "live"),
    "up:agency:story-13": ("Agency 13, revised", "agency", "live"),
}
# Keys an item added to a story known under another key.
LINKED = {
    "up:wire:story-8": "url://wire.example.com/2026/03/10/story-8",
    "up:wire:story-11": "up:wire:story-6",
    "up:desk:story-1": "up:wire:story-1",
    "up:owner:story-3": "up:wire:story-3",
}


def polls() -> list[tuple[SourceSpec, list[RawItem]]]:
    """The table's items grouped into one poll per source, in order."""
    grouped: dict[str, tuple[SourceSpec, list[RawItem]]] = {}
    for source, item, _ in CASES:
        grouped.setdefault(source.id, (source, []))[1].append(item)
    return list(grouped.values())


def expected_counts(source: SourceSpec) -> tuple[int, int, int]:
    """(new, edited, unchanged) the table gives one source's poll."""
    outcomes = [o for s, _, o in CASES if s is source]
    return outcomes.count("new"), outcomes.count("edited"), outcomes.count("unchanged")


def owner_of(conn: Connection, key: str) -> str | None:
    """The article id a key names."""
    q = sa.select(article_keys.c.article_id).where(article_keys.c.key == key)
    return conn.execute(q).scalar()


@pytest.mark.parametrize("take", [by_batch, one_by_one])
def test_each_item_ends_as_the_table_says(store: Store, take: Take) -> None:
    seed(store)
    with store.begin() as conn:
        results = [take(conn, source, items) for source, items in polls()]
    counts = [(r.new, r.edited, r.unchanged) for r in results]
    assert counts == [expected_counts(s) for s in (WIRE, DESK, OWNER, AGENCY)]
    assert counts == [(4, 4, 5), (1, 0, 1), (0, 1, 0), (1, 1, 0)]
    assert [reason for r in results for reason in r.rejected] == REJECTED
    with store.read() as conn:
        for key, (title, source, status) in ARCHIVED.items():
            article_id = owner_of(conn, key)
            assert article_id is not None, key
            article = archived.get(conn, article_id)
            assert article is not None, key
            assert (article.title, article.source_id, article.status.value) == (
                title,
                source,
                status,
            ), key
        for key, first in LINKED.items():
            assert owner_of(conn, key) == owner_of(conn, first), key
        four = owner_of(conn, "up:wire:story-4")
        assert four is not None and archived.get(conn, four) is None  # pruned: a marker only
        assert owner_of(conn, "up:wire:story-4-again") == four
        assert owner_of(conn, "up:wire:story-9") is None
        assert owner_of(conn, "up:wire:story-10") is None
        assert archived.count(conn) == len(ARCHIVED)


def test_excluded_rights_are_archived_in_no_feed(store: Store) -> None:
    result = intake.take(store, AGENCY, [raw(13, "agency")], RULES, now=NOW)
    assert (result.new, result.feeds) == (1, set())
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(memberships)).scalar() == 0
        assert archived.count(conn) == 1


def test_positions_follow_item_order_across_an_edit(store: Store) -> None:
    intake.take(store, WIRE, [raw(1, countries=("IN",))], RULES, now=NOW)
    batch = [
        raw(2, countries=("FR",)),
        raw(1, title="Story 1, moved", countries=("IN", "FR")),
        raw(3, countries=("FR",)),
    ]
    intake.take(store, WIRE, batch, RULES, now=NOW)
    with store.read() as conn:
        q = (
            sa.select(articles.c.data, memberships.c.position)
            .join(memberships, memberships.c.article_id == articles.c.id)
            .where(memberships.c.feed == "country/fr")
            .order_by(memberships.c.position)
        )
        order = [(load_article(r.data).title, r.position) for r in conn.execute(q)]
    # story 1 joins country/fr by its edit, between the new stories 2 and 3
    assert order == [("Story 2", 1), ("Story 1, moved", 2), ("Story 3", 3)]


def test_pruned_markers_are_found_for_every_key(store: Store) -> None:
    seed(store)
    result = intake.take(store, WIRE, [raw(4), raw(4, upstream_id="x-4")], RULES, now=NOW)
    assert (result.new, result.unchanged) == (0, 2)
    with store.read() as conn:
        assert archived.find(conn, ["up:wire:x-4"]) is None  # still gone, under either key
        assert owner_of(conn, "up:wire:x-4") == owner_of(
            conn, "up:wire:story-4"
        )  # the new key names it


@contextlib.contextmanager
def counted(store: Store) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def note(*args: Any) -> None:
        sent.append(args[2])

    sa.event.listen(store.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", note)


def statements(store: Store, items: Sequence[RawItem]) -> tuple[intake.IntakeResult, list[str]]:
    """What take_all did with a poll, and the statements it sent (BEGIN not counted)."""
    with store.begin() as conn, counted(store) as sent:
        result = intake.take_all(conn, WIRE, items, RULES, now=NOW)
    return result, [s for s in sent if s.strip() not in ("COMMIT", "")]


def test_statements_per_poll_do_not_grow_with_its_size(store: Store) -> None:
    small, few = statements(store, [raw(n) for n in range(1, 11)])
    large, many = statements(store, [raw(n) for n in range(11, 211)])
    assert (small.new, large.new) == (10, 200)
    assert len(many) <= 10, many
    assert len(many) == len(few)
    # PostgreSQL: the writers' lock once in each poll's transaction, before its first read
    is_pg = store.engine.dialect.name == "postgresql"
    for sent in (few, many):
        assert [i for i, s in enumerate(sent) if "pg_advisory_xact_lock" in s] == [0] * is_pg


def test_a_re_poll_of_fifty_unchanged_items_only_reads(store: Store) -> None:
    items = [raw(n) for n in range(1, 51)]
    intake.take(store, WIRE, items, RULES, now=NOW)
    result, sent = statements(store, items)
    assert (result.new, result.edited, result.unchanged) == (0, 0, 50)
    assert len(sent) <= 2, sent  # the lookup (and on PostgreSQL the writers' lock)
    assert all(not s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in sent)
