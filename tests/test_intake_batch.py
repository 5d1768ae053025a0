"""Batched intake: one poll decided item by item, written in bulk, on SQLite and PostgreSQL.

The reference is intake as it was before batching: every item matched and written with the
per-row archive functions (find, pruned_id, is_pruned, save, add_keys). A batch must leave
the archive exactly as that would, and as taking the items one call at a time does.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from feeds import intake
from feeds.archive import articles as archived
from feeds.archive import retention
from feeds.archive.engine import Store
from feeds.catalog import ComboRule
from feeds.schema import article_keys, articles, feeds, memberships, pruned
from sources.errors import SourceError
from sources.normalize import identity_keys, normalize
from sources.raw import RawItem
from sources.spec import NormalizeSettings, SourceSpec

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


def per_row(conn: Connection, source: SourceSpec, items: Sequence[RawItem]) -> intake.IntakeResult:
    """Intake as it was before batching: each item read and written on its own."""
    result = intake.IntakeResult()
    for item in items:
        keys = identity_keys(item, source)
        if not keys:
            result.rejected.append(f"{item.title or '(untitled)'}: no id, no URL")
            continue
        stored = archived.find(conn, keys)
        gone = retention.pruned_id(conn, keys) if stored is None else None
        if gone is not None:
            archived.add_keys(conn, gone, keys)
            result.unchanged += 1
            continue
        if stored is not None and (
            stored.raw_hash == item.content_hash()
            or (stored.source_id != source.id and not source.authoritative)
            or archived.is_pruned(conn, stored.id)
        ):
            archived.add_keys(conn, stored.id, keys)
            result.unchanged += 1
            continue
        first_seen = stored.first_seen if stored else NOW
        try:
            article = normalize(item, source, RULES.normalize, now=NOW, first_seen=first_seen)
        except SourceError as exc:
            result.rejected.append(str(exc))
            continue
        if stored is not None:
            article = intake._as_edit(article, stored, NOW)
        elif archived.is_pruned(conn, article.id):
            result.unchanged += 1
            continue
        touched = archived.save(
            conn,
            article,
            item,
            feeds=intake.feeds_of(article, RULES),
            first_seen=first_seen,
            now=NOW,
        )
        result.feeds |= touched
        archived.add_keys(conn, article.id, keys)
        result.article_ids.append(article.id)
        result.new += stored is None
        result.edited += stored is not None
    return result


def by_batch(conn: Connection, source: SourceSpec, items: Sequence[RawItem]) -> intake.IntakeResult:
    """The whole poll in one take_all."""
    return intake.take_all(conn, source, items, RULES, now=NOW)


def one_by_one(
    conn: Connection, source: SourceSpec, items: Sequence[RawItem]
) -> intake.IntakeResult:
    """Each item in its own take_one call."""
    result = intake.IntakeResult()
    for item in items:
        intake.take_one(conn, source, item, RULES, now=NOW, result=result)
    return result


class _Undo(Exception):
    """Raised to roll a trial transaction back."""


def trial(store: Store, polls: Sequence[tuple[SourceSpec, list[RawItem]]], take: Any) -> Any:
    """Results and every row intake writes after these polls; the archive is left as it was."""
    with contextlib.suppress(_Undo), store.begin() as conn:
        results = [dataclasses.astuple(take(conn, source, items)) for source, items in polls]
        outcome = (results, snapshot(conn))
        raise _Undo
    return outcome


def snapshot(conn: Connection) -> tuple[list[tuple[Any, ...]], ...]:
    """Every row intake writes; of the rebuild queue only whether a feed waits."""
    rows = tuple(
        [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
        for t in (articles, article_keys, memberships)
    )
    queue = sa.select(feeds.c.name, feeds.c.next_position, feeds.c.dirty_seq > feeds.c.built_seq)
    return (*rows, [tuple(r) for r in conn.execute(queue.order_by(feeds.c.name))])


def seed(store: Store) -> None:
    """The wire's stories 1-4 and 14; story 4 since pruned, 14 with a stray pruned marker."""
    stories = [raw(n) for n in (1, 2, 3, 4, 14)]
    intake.take(store, WIRE, stories, RULES, now=NOW - timedelta(days=1))
    with store.begin() as conn:
        four, fourteen = (archived.find(conn, [f"up:wire:story-{n}"]) for n in (4, 14))
        assert four is not None and fourteen is not None
        retention.prune(conn, [four.id], NOW - timedelta(hours=1))
        # a marker beside a row that is still there: is_pruned() wins over an edit
        marker = {"article_id": fourteen.id, "guid": fourteen.guid, "url": "https://x.example/"}
        conn.execute(pruned.insert().values(**marker, raw_hash="0", pruned_at=NOW))


def polls() -> list[tuple[SourceSpec, list[RawItem]]]:
    """Polls with every case intake knows, several within one batch."""
    wire = [
        raw(1),  # a re-poll
        raw(2, title="Story 2, updated"),  # an edit
        raw(5),  # new …
        raw(6),
        raw(5, title="Story 5, corrected"),  # … and its edit in the same batch
        raw(5, title="Story 5, corrected"),  # … polled twice in it
        raw(4),  # pruned: an old story, not news
        raw(4, upstream_id="story-4-again"),  # pruned, found by its URL only
        raw(7, status="withdrawn"),  # new, withdrawn from the start
        raw(8, upstream_id=None),  # new, known by its URL only …
        raw(8, summary="Now with an id."),  # … then with an id: an edit, one more key
        raw(9, upstream_id=None, url=None),  # no identity: rejected
        raw(10, url="ftp://wire.example.com/10"),  # no web link: normalize rejects it
        raw(11, upstream_id="story-11", url=raw(6).url),  # another id, a known URL
        raw(14, title="Story 14, edited"),  # marked pruned: stays as it is
    ]
    desk = [
        raw(1, "desk", title="Desk's take"),  # another source's copy: first source wins
        raw(12, "desk"),
    ]
    owner = [raw(3, "owner", upstream_id="story-3", title="Story 3, as owned")]
    agency = [raw(13, "agency"), raw(13, "agency", title="Agency 13, revised")]
    return [(WIRE, wire), (DESK, desk), (OWNER, owner), (AGENCY, agency)]


def test_a_batch_ends_as_items_taken_one_at_a_time(store: Store) -> None:
    seed(store)
    reference = trial(store, polls(), per_row)
    (results, rows) = reference
    assert [r[:3] for r in results] == [(4, 4, 5), (1, 0, 1), (0, 1, 0), (1, 1, 0)]
    assert len(results[0][3]) == 2  # the two rejections
    assert len(rows[2]) > 10  # memberships to compare
    assert trial(store, polls(), by_batch) == reference
    assert trial(store, polls(), one_by_one) == reference


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
        order = [(archived.load_article(r.data).title, r.position) for r in conn.execute(q)]
    # story 1 joins country/fr by its edit, between the new stories 2 and 3
    assert order == [("Story 2", 1), ("Story 1, moved", 2), ("Story 3", 3)]


def test_pruned_markers_are_found_for_every_key(store: Store) -> None:
    seed(store)
    result = intake.take(store, WIRE, [raw(4), raw(4, upstream_id="x-4")], RULES, now=NOW)
    assert (result.new, result.unchanged) == (0, 2)
    with store.read() as conn:
        assert archived.find(conn, ["up:wire:x-4"]) is None  # still gone, under either key
        assert retention.pruned_id(conn, ["up:wire:x-4"]) is not None  # the new key names it


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
