"""Retention on SQLite and PostgreSQL: current feeds age out, the archive prunes, markers stay."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import sqlalchemy as sa

from feeds import intake
from feeds.archive import archived, membership, queue
from feeds.archive.engine import Store
from feeds.archive.tables import article_keys, articles, memberships, pruned
from feeds.catalog import ComboRule
from scheduler.jobs import retention
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec
from tests.service_support import cli, free_port, sample_config

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SETTINGS = retention.RetentionSettings(current_days=30, archive_days=365)
SOURCE = SourceSpec(
    id="wire", kind="feed", url="https://wire.example.com/rss", interval_seconds=300,
    section="world",
)  # fmt: skip
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com", section_aliases=MappingProxyType({"world": ()})
    ),
    combos=ComboRule("none"),
)


def raw(n: int, when: datetime, **fields: object) -> RawItem:
    """A raw upstream item published at `when`."""
    base = RawItem(
        source_id="wire",
        upstream_id=f"story-{n}",
        url=f"https://wire.example.com/story-{n}",
        title=f"Story {n}",
        summary=f"What happened in story {n}.",
        published=when.isoformat(),
        section="world",
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def newest_ids(store: Store, feed: str = "section/world") -> list[str]:
    with store.read() as conn:
        return [a.id for a in membership.newest(conn, feed, 50)]


def test_old_articles_leave_current_feeds_but_stay_in_the_archive(store: Store) -> None:
    old = intake.take(store, SOURCE, [raw(1, T0), raw(2, T0)], RULES, now=T0)
    later = T0 + timedelta(days=40)
    fresh = intake.take(store, SOURCE, [raw(3, later)], RULES, now=later)
    with store.begin() as conn:  # rebuilt already: only retention may dirty them
        for name, seq in queue.claim_dirty(conn, "me", later, 60):
            queue.finish(conn, name, "me", seq)
    report = retention.run(store, SETTINGS, later)
    assert report.ran and report.aged_out == 4 and report.pruned == 0  # 2 articles x 2 feeds
    assert report.feeds == {"latest", "section/world"}
    assert newest_ids(store) == fresh.article_ids
    with store.read() as conn:
        assert archived.count(conn) == 3
        assert queue.pending(conn) == 2
        left = conn.execute(sa.select(memberships.c.left_at).where(memberships.c.live.is_(False)))
        assert [r.left_at for r in left] == [None] * 4  # aged out, not withdrawn: no tombstone
    assert set(old.article_ids).isdisjoint(newest_ids(store, "latest"))


def test_a_backlog_imported_today_keeps_its_stay_in_current_feeds(store: Store) -> None:
    now = T0 + timedelta(days=400)
    intake.take(store, SOURCE, [raw(1, T0)], RULES, now=now)  # last year's story, seen today
    report = retention.run(store, SETTINGS, now)
    assert (report.aged_out, report.pruned) == (0, 0)
    assert len(newest_ids(store)) == 1


def test_pruned_articles_leave_markers_and_stay_old_when_polled_again(store: Store) -> None:
    taken = intake.take(store, SOURCE, [raw(1, T0), raw(2, T0)], RULES, now=T0)
    now = T0 + timedelta(days=400)
    report = retention.run(store, SETTINGS, now)
    assert report.pruned == 2
    with store.read() as conn:
        assert archived.count(conn) == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(memberships)).scalar() == 0
        markers = {r.article_id: r for r in conn.execute(sa.select(pruned))}
        kept_keys = conn.execute(sa.select(sa.func.count()).select_from(article_keys)).scalar()
    assert set(markers) == set(taken.article_ids)
    assert all(m.guid.startswith("tag:") and m.url and m.raw_hash for m in markers.values())
    assert kept_keys and kept_keys >= 4
    again = [
        raw(1, T0),  # the same item re-polled
        raw(2, T0, title="Story 2, edited upstream a year on"),  # an edit of a pruned story
        raw(9, T0, url="https://wire.example.com/story-1"),  # another id, same canonical URL
    ]
    result = intake.take(store, SOURCE, again, RULES, now=now)
    assert (result.new, result.edited, result.unchanged) == (0, 0, 3)
    with store.read() as conn:
        assert archived.count(conn) == 0
    assert retention.run(store, SETTINGS, now + timedelta(hours=2)).pruned == 0


def test_one_run_per_period_across_processes(store: Store) -> None:
    assert retention.run(store, SETTINGS, T0).ran
    assert not retention.run(store, SETTINGS, T0 + timedelta(minutes=10)).ran
    assert retention.run(store, SETTINGS, T0 + timedelta(minutes=10), force=True).ran
    assert retention.run(store, SETTINGS, T0 + timedelta(minutes=71)).ran


def test_dry_run_reports_without_changing_anything(store: Store) -> None:
    intake.take(store, SOURCE, [raw(1, T0), raw(2, T0)], RULES, now=T0)
    intake.take(store, SOURCE, [raw(3, T0)], RULES, now=T0 + timedelta(days=370))
    now = T0 + timedelta(days=380)
    planned = retention.plan(store, SETTINGS, now)
    # stories 1 and 2 leave both feeds, then the archive; story 3 (seen 10 days ago) stays
    assert (planned.aged_out, planned.pruned) == (4, 2)
    with store.read() as conn:
        assert archived.count(conn) == 3
    done = retention.run(store, SETTINGS, now)
    assert (done.aged_out, done.pruned) == (planned.aged_out, planned.pruned)


def test_prune_command(tmp_path: Path) -> None:
    config = sample_config(tmp_path, free_port())
    assert cli(config, "ingest").returncode == 0
    dry = cli(config, "prune", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would take 0 article memberships out of current feeds and prune 0" in dry.stderr
    real = cli(config, "prune")
    assert real.returncode == 0 and "pruned 0 articles" in real.stderr, real.stderr
    db = sa.create_engine(f"sqlite:///{tmp_path / 'newsfeeds.db'}")
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(articles)).scalar()
    db.dispose()
