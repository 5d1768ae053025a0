"""An older version of an article delivered again is not an edit (SQLite and PostgreSQL).

A drop folder seeded anew on a restored machine, a CMS re-export or a late push retry hands
intake versions it already took, oldest first. Taking the older one as an edit would put
its text back and stamp `updated` with the clock; taking the newer one after it would then
keep the clock's date: documents would change with nothing new upstream (invariant 2).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import sqlalchemy as sa

from feeds import intake
from feeds.archive import archived
from feeds.archive.engine import Store
from feeds.archive.tables import articles, documents, feeds, memberships
from feeds.build import publish
from feeds.catalog import ComboRule
from feeds.site import Site
from scheduler import jobs
from sources.model.raw import RawItem
from sources.model.spec import FetchSettings, NormalizeSettings, SourceSpec

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=270)  # a restore months later: the clock differs, nothing else
SOURCE = SourceSpec(
    id="cms", kind="files", url="unused", interval_seconds=60, section="india",
    timezone="Asia/Kolkata",
)  # fmt: skip
RULES = intake.IntakeRules(
    normalize=NormalizeSettings(
        authority="news.example.com", section_aliases=MappingProxyType({"india": ()})
    ),
    combos=ComboRule("none"),
)
SITE = Site(title="Ledger", base_url="http://127.0.0.1:8080", authority="news.example.com")


def version(title: str, updated: str) -> RawItem:
    """One version of the same CMS story, dated by the CMS in its own timezone."""
    return RawItem(
        source_id="cms",
        upstream_id="cms-1004",
        url="https://news.example.com/india/2026/03/02/tankers",
        title=title,
        published="2026-03-02T08:00:00+05:30",
        updated=updated,
        section="india",
    )


FIRST = version("Tanker prices capped", "2026-03-02T08:00:00+05:30")
SECOND = version("Tanker prices capped, helpline opened", "2026-03-04T16:45:00+05:30")


def snapshot(store: Store) -> tuple[list[tuple[object, ...]], ...]:
    """Every row intake writes, for before/after comparison."""
    with store.read() as conn:
        return tuple(
            [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
            for t in (articles, memberships, feeds)
        )


def stored(store: Store, article_id: str) -> tuple[str, datetime]:
    """The stored title and `updated` of an article."""
    with store.read() as conn:
        article = archived.get(conn, article_id)
    assert article is not None
    return article.title, article.updated


def test_both_versions_again_oldest_first_change_nothing(store: Store) -> None:
    intake.take(store, SOURCE, [FIRST, SECOND], RULES, now=NOW)
    before = snapshot(store)
    again = intake.take(store, SOURCE, [FIRST, SECOND], RULES, now=LATER)
    assert (again.new, again.edited, again.unchanged) == (0, 0, 2)
    assert again.feeds == set()
    assert snapshot(store) == before  # no row rewritten, no date from the clock


def test_an_older_version_alone_does_not_put_its_text_back(store: Store) -> None:
    (article_id,) = intake.take(store, SOURCE, [FIRST, SECOND], RULES, now=NOW).article_ids[:1]
    late = intake.take(store, SOURCE, [FIRST], RULES, now=LATER)
    assert (late.edited, late.unchanged, late.feeds) == (0, 1, set())
    assert stored(store, article_id) == (SECOND.title, datetime(2026, 3, 4, 11, 15, tzinfo=UTC))


def test_the_newer_version_after_the_older_is_an_edit(store: Store) -> None:
    (article_id,) = intake.take(store, SOURCE, [FIRST], RULES, now=NOW).article_ids
    edit = intake.take(store, SOURCE, [SECOND], RULES, now=LATER)
    assert (edit.edited, edit.unchanged) == (1, 0)
    assert stored(store, article_id) == (SECOND.title, datetime(2026, 3, 4, 11, 15, tzinfo=UTC))


def test_edits_that_keep_the_date_are_each_taken(store: Store) -> None:
    """The clock-stamped `updated` of an undated edit must not make the next edit look old."""
    (article_id,) = intake.take(store, SOURCE, [FIRST], RULES, now=NOW).article_ids
    for n, when in enumerate((NOW + timedelta(hours=1), NOW + timedelta(hours=2)), 1):
        edit = dataclasses.replace(FIRST, title=f"Tanker prices capped (correction {n})")
        result = intake.take(store, SOURCE, [edit], RULES, now=when)
        assert result.edited == 1
        assert stored(store, article_id) == (edit.title, when)


def drop(folder: Path) -> None:
    """Seed a drop folder with both exports of the story, settled, as a CMS left them."""
    folder.mkdir(exist_ok=True)
    old = time.time() - 3600
    for name, raw in (("1-cms-1004.json", FIRST), ("2-cms-1004-update.json", SECOND)):
        fields = ("upstream_id", "url", "title", "section", "published", "updated")
        record = {f.replace("upstream_", ""): getattr(raw, f) for f in fields}
        (folder / name).write_text(json.dumps(record), encoding="utf-8")
        os.utime(folder / name, (old, old))


def poll_and_build(store: Store, folder: Path, when: datetime) -> dict[str, tuple[str, datetime]]:
    """Poll the drop folder at `when`, rebuild what it changed; path -> (ETag, change time)."""
    spec = dataclasses.replace(SOURCE, url=str(folder))
    settings = jobs.PollSettings(fetch=FetchSettings(), rules=RULES, owner="t")
    outcome = jobs.poll(store, spec, settings, lambda: when, force=True)
    assert outcome.outcome == "ok", outcome
    publish.rebuild_dirty(store, SITE, owner="t", now=lambda: when)
    with store.read() as conn:
        rows = conn.execute(sa.select(documents.c.path, documents.c.etag, documents.c.changed_at))
        return {r.path: (r.etag, r.changed_at) for r in rows}


def test_a_drop_folder_seeded_again_keeps_every_document(store: Store, tmp_path: Path) -> None:
    """A restored backup's drop folder gets its seed again: the same exports, polled later."""
    folder = tmp_path / "drop"
    drop(folder)
    before = poll_and_build(store, folder, NOW)
    assert "/feeds/section/india.rss" in before
    drop(folder)  # the first poll moved them to done/: these are read as new files
    assert poll_and_build(store, folder, LATER) == before
