"""A configured section (and each listed combo) has a valid, empty feed from the start, dated
by its stored change time: set once when the document is made, never the clock at render."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from http_support import ingest, record, spec, stored, write_config

from feeds.build import publish
from scheduler.service import Service
from tests.service_support import cli, free_port, sample_config

T1 = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
T2 = T1 + timedelta(hours=5)
T3 = T1 + timedelta(days=1)
FORMATS = ("rss", "atom", "json")


def _service(tmp_path: Path) -> Service:
    return Service(write_config(tmp_path))


def _rebuild(service: Service, at: datetime) -> list[str]:
    return publish.rebuild_dirty(service.store, service.site, owner="t", now=lambda: at).changed


def test_configured_sections_have_empty_valid_feeds_from_the_start(tmp_path: Path) -> None:
    service = _service(tmp_path)
    service.start_feeds()
    _rebuild(service, T1)
    for section in ("world", "business", "india"):
        for fmt in FORMATS:
            doc = stored(service, f"/feeds/section/{section}.{fmt}")
            assert doc.item_count == 0 and doc.changed_at == T1
            if fmt == "json":
                assert json.loads(doc.body)["items"] == []
            else:
                parsed = feedparser.parse(doc.body)
                assert parsed.bozo == 0 and parsed.entries == []
    assert stored(service, "/feeds/latest.atom").item_count == 0
    service.store.dispose()


def test_an_empty_feed_is_dated_when_it_was_made_and_keeps_its_bytes(tmp_path: Path) -> None:
    service = _service(tmp_path)
    service.start_feeds()
    _rebuild(service, T1)
    first = {f: stored(service, f"/feeds/section/india.{f}") for f in FORMATS}
    assert b"2026-03-10T12:00:00Z" in first["atom"].body
    assert b"<lastBuildDate>Tue, 10 Mar 2026 12:00:00 +0000</lastBuildDate>" in first["rss"].body
    publish.mark_all(service.store)
    assert not [p for p in _rebuild(service, T2) if "/india." in p]  # same bytes, same ETag
    for fmt in FORMATS:
        again = stored(service, f"/feeds/section/india.{fmt}")
        assert (again.body, again.etag, again.changed_at) == (
            first[fmt].body,
            first[fmt].etag,
            T1,
        )
    service.store.dispose()


def test_a_feed_that_empties_is_dated_by_that_change(tmp_path: Path) -> None:
    service = _service(tmp_path)
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    _rebuild(service, T1)
    ingest(service, [record(1, status="withdrawn")], at=T2, source=spec("wire", "world"))
    _rebuild(service, T2)
    emptied = stored(service, "/feeds/section/world.atom")
    assert emptied.item_count == 0 and emptied.changed_at == T2
    assert b"<updated>2026-03-10T17:00:00Z</updated>" in emptied.body
    publish.mark_all(service.store)
    assert not [p for p in _rebuild(service, T3) if "/world." in p]
    assert stored(service, "/feeds/section/world.atom").etag == emptied.etag
    service.store.dispose()


def test_build_creates_the_listed_combo_and_an_empty_section(tmp_path: Path) -> None:
    extra = '\n[[sections]]\nslug = "sport"\ntitle = "Sport"\n'
    config = sample_config(tmp_path, free_port(), extra=extra)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('combos = "with-articles"', 'combos = ["sport/in", "world/in"]'),
        encoding="utf-8",
    )
    result = cli(config, "build")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "newsfeeds.db") as db:
        rows = dict(db.execute("SELECT path, item_count FROM documents").fetchall())
    for path in ("/feeds/section/sport", "/feeds/section/sport/in", "/feeds/section/world/in"):
        for fmt in FORMATS:
            assert f"{path}.{fmt}" in rows, path
    assert rows["/feeds/section/sport.atom"] == 0
