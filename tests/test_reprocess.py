"""`newsfeeds reprocess`: stored raw items normalized again under changed rules.

The rule change is a real config change: the bundled samples are ingested with
`[normalize] title_max = 20`, then reprocessed under the default (300), as after a fix.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from feeds import intake
from feeds.archive import documents as docs
from feeds.archive import open_store, originals
from feeds.archive.engine import Store
from feeds.archive.tables import articles
from feeds.catalog import ComboRule
from scheduler.cli import main
from sources.model.raw import RawItem
from sources.model.spec import NormalizeSettings, SourceSpec
from tests.service_support import sample_config

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RULES = intake.IntakeRules(NormalizeSettings(authority="news.example.com"), ComboRule())
SHORT = "\n[normalize]\ntitle_max = 20\n"
Rows = dict[str, tuple[str, str, str, str, str]]
Docs = dict[str, tuple[str, object]]


@pytest.fixture
def configs(tmp_path: Path) -> tuple[Path, Path]:
    """(config with short titles, the same config with the default title_max)."""
    short = sample_config(tmp_path, 8080, extra=SHORT)
    full = tmp_path / "full.toml"
    full.write_text(short.read_text(encoding="utf-8").replace(SHORT, "\n"), encoding="utf-8")
    return short, full


def newsfeeds(config: Path, *args: str) -> Result:
    """Run one command in this process, as the user would on the command line."""
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def stored(config: Path) -> tuple[Rows, Docs]:
    """(id -> source, guid, published, updated, title) of articles, path -> (etag, change)."""
    store = open_store(f"sqlite:///{config.parent / 'newsfeeds.db'}")
    try:
        with store.read() as conn:
            rows = {
                r.id: (
                    r.source_id,
                    r.guid,
                    r.published.isoformat(),
                    r.updated.isoformat(),
                    json.loads(r.data)["title"],
                )
                for r in conn.execute(sa.select(articles))
            }
            documents = {p: (e, c) for p, _f, _n, c in docs.listing(conn) for e in [_etag(conn, p)]}
    finally:
        store.dispose()
    return rows, documents


def _etag(conn: sa.Connection, path: str) -> str:
    found = docs.etag_of(conn, path)
    assert found is not None
    return found[0]


def titles(rows: Rows, source: str) -> set[str]:
    return {title for src, *_, title in rows.values() if src == source}


def test_dry_run_lists_changes_and_stores_nothing(configs: tuple[Path, Path]) -> None:
    short, full = configs
    assert newsfeeds(short, "ingest", "world-wire", "business-desk").exit_code == 0
    before = stored(short)
    assert all(len(t) <= 20 for t in titles(before[0], "world-wire"))

    result = newsfeeds(full, "reprocess", "--dry-run")

    assert result.exit_code == 0, result.output
    listed = [line for line in result.stdout.splitlines() if " title: " in line]
    assert len(listed) == len(before[0])  # every sample title is longer than 20
    some_id = next(iter(before[0]))
    assert any(line.split()[1] == some_id for line in listed)
    assert f"{len(before[0])} articles would change" in result.stderr
    assert stored(short) == before


def test_reprocess_applies_new_rules_keeping_identity_and_dates(
    configs: tuple[Path, Path],
) -> None:
    short, full = configs
    newsfeeds(short, "ingest", "world-wire", "business-desk")
    rows, documents = stored(short)

    result = newsfeeds(full, "reprocess", "world-wire")

    assert result.exit_code == 0, result.output
    after_rows, after_docs = stored(short)
    assert set(after_rows) == set(rows)
    for article_id, (source, guid, published, updated, title) in rows.items():
        now = after_rows[article_id]
        assert now[:4] == (source, guid, published, updated)  # updated is not bumped
        if source == "world-wire":
            assert len(now[4]) > 20 and now[4].startswith(title.rstrip("…").rstrip())
        else:
            assert now[4] == title  # only the named source was reprocessed
    assert after_docs["/feeds/section/world.json"][0] != documents["/feeds/section/world.json"][0]
    assert after_docs["/feeds/section/business.json"] == documents["/feeds/section/business.json"]

    again = newsfeeds(full, "reprocess", "world-wire")
    assert "0 articles changed" in again.stderr
    assert stored(short) == (after_rows, after_docs)


def test_reprocessed_article_is_not_an_edit_on_the_next_poll(configs: tuple[Path, Path]) -> None:
    short, full = configs
    newsfeeds(short, "ingest", "world-wire")
    newsfeeds(full, "reprocess")
    reprocessed = stored(short)

    polled = newsfeeds(full, "ingest", "world-wire")

    assert "0 new, 0 edited" in polled.stderr
    assert stored(short) == reprocessed


def test_unknown_source_is_a_usage_error(configs: tuple[Path, Path]) -> None:
    _, full = configs
    result = newsfeeds(full, "reprocess", "no-such-source")
    assert result.exit_code == 2
    assert "no-such-source" in result.output


def test_archive_streams_articles_with_their_raw_items_in_batches(store: Store) -> None:
    items = [
        RawItem(source_id=src, upstream_id=f"{src}-{n}", url=f"https://{src}.example.com/{n}",
                title=f"Story {n}", published="2026-03-10T08:00:00Z")
        for src in ("wire", "desk") for n in range(3)
    ]  # fmt: skip
    for src in ("wire", "desk"):
        spec = SourceSpec(id=src, kind="feed", url=f"https://{src}.example.com/rss",
                          interval_seconds=300, section="world")  # fmt: skip
        intake.take(store, spec, [i for i in items if i.source_id == src], RULES, now=NOW)

    with store.read() as conn:
        batches = list(originals.iter_for_reprocess(conn, ["wire"], batch=2))
        everything = [k for b in originals.iter_for_reprocess(conn, None, batch=4) for k in b]

    assert [len(b) for b in batches] == [2, 1]
    kept = [k for b in batches for k in b]
    assert [k.article.id for k in kept] == sorted(k.article.id for k in kept)
    assert {k.raw for k in kept} == {i for i in items if i.source_id == "wire"}
    assert all(k.first_seen == NOW and k.article.source_id == "wire" for k in kept)
    assert len(everything) == 6
