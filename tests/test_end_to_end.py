"""The whole pipeline as a user runs it: `newsfeeds run` on the bundled samples."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

import feedparser
import pytest
import requests
from lxml import etree

from tests.service_support import (
    cli,
    free_port,
    running,
    sample_config,
    wait_for_articles,
)

SECTIONS = ("world", "india", "business", "technology", "opinion")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One running service for the module, on its own port and archive."""
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    config = sample_config(tmp, port)
    base = f"http://127.0.0.1:{port}"
    with running(config, port) as proc:
        # the first feeds appear within a second; the Done-when allows 60 s for all of them
        for section in SECTIONS:
            wait_for_articles(f"{base}/feeds/section/{section}.json", proc, timeout=60)
        yield base, tmp


def _feed_paths(base: str) -> list[str]:
    page = requests.get(base + "/", timeout=5).text
    tree = etree.HTML(page)
    # every feed's subscribe links; <head> announces only latest and the sections
    hrefs = tree.xpath("//body//a/@href")
    feeds = (h for h in hrefs if h.startswith(base + "/feeds/") and not h.endswith(".html"))
    return sorted({h.removeprefix(base) for h in feeds})


def test_index_lists_latest_every_section_and_country(service: tuple[str, Path]) -> None:
    base, _ = service
    paths = _feed_paths(base)
    for fmt in ("rss", "atom", "json"):
        assert f"/feeds/latest.{fmt}" in paths
        for section in SECTIONS:
            assert f"/feeds/section/{section}.{fmt}" in paths
    countries = {p.split("/")[3].split(".")[0] for p in paths if p.startswith("/feeds/country/")}
    assert len(countries) >= 8, countries


def test_every_served_document_is_valid(service: tuple[str, Path]) -> None:
    base, _ = service
    paths = _feed_paths(base)
    assert len(paths) > 30
    for path in paths:
        resp = requests.get(base + path, timeout=5)
        assert resp.status_code == 200, path
        assert resp.headers["content-type"].endswith("charset=utf-8")
        if path.endswith(".json"):
            doc = json.loads(resp.content)
            assert doc["version"] == "https://jsonfeed.org/version/1.1"
            assert doc["title"] and doc["items"]
            assert all(item["id"] for item in doc["items"])
        else:
            etree.fromstring(resp.content)  # strictly well-formed
            parsed = feedparser.parse(resp.content)
            assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
            assert parsed.entries


def test_conditional_get_by_etag_and_by_date(service: tuple[str, Path]) -> None:
    base, _ = service
    first = requests.get(base + "/feeds/latest.atom", timeout=5)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = requests.get(base + "/feeds/latest.atom", headers={"If-None-Match": etag}, timeout=5)
    assert by_etag.status_code == 304 and by_etag.headers["etag"] == etag
    by_date = requests.get(
        base + "/feeds/latest.atom",
        headers={"If-Modified-Since": modified, "Accept-Encoding": "identity"},
        timeout=5,
    )
    assert by_date.status_code == 304


def test_unknown_feed_is_404(service: tuple[str, Path]) -> None:
    base, _ = service
    assert requests.get(base + "/feeds/section/nosuch.rss", timeout=5).status_code == 404


def test_ingest_twice_leaves_documents_byte_identical(tmp_path: Path) -> None:
    config = sample_config(tmp_path, free_port())
    assert cli(config, "ingest").returncode == 0
    db = tmp_path / "newsfeeds.db"
    before = dict(
        sqlite3.connect(db).execute("SELECT path, body || etag || changed_at FROM documents")
    )
    second = cli(config, "ingest")
    assert second.returncode == 0, second.stderr
    after = dict(
        sqlite3.connect(db).execute("SELECT path, body || etag || changed_at FROM documents")
    )
    assert len(before) > 30 and before == after


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    config = sample_config(tmp_path, port)
    with running(config, port) as proc:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0


def test_several_server_workers_serve_and_stop_cleanly(tmp_path: Path) -> None:
    port = free_port()
    config = sample_config(tmp_path, port)
    config.write_text(
        config.read_text(encoding="utf-8").replace(f"port = {port}", f"port = {port}\nworkers = 2"),
        encoding="utf-8",
    )
    base = f"http://127.0.0.1:{port}"
    with running(config, port) as proc:
        first = wait_for_articles(f"{base}/feeds/section/world.atom", proc)
        # any worker answers, with the same bytes and a 304 for the ETag of the other
        for _ in range(6):
            again = requests.get(base + "/feeds/section/world.atom", timeout=5)
            assert again.content == first.content
            cond = requests.get(
                base + "/feeds/section/world.atom",
                headers={"If-None-Match": first.headers["etag"]},
                timeout=5,
            )
            assert cond.status_code == 304
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
