"""`newsfeeds try`: what a source would produce, from a URL or a configured id; nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from feeds.archive import open_store
from feeds.archive.tables import articles, documents
from scheduler.cli import main
from sources.kinds.guess import kind_of
from tests.service_support import sample_config

FIXTURES = Path(__file__).parent / "fixtures"
FEED = (FIXTURES / "identity" / "wire-v1.rss").read_bytes()
PAGE = (FIXTURES / "page" / "jsonld-only.html").read_bytes()
SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{page}</loc><lastmod>2026-03-02T11:05:00+05:30</lastmod></url>
</urlset>
"""


def local(server: HTTPServer, path: str) -> str:
    """A URL on the test server, spelled with its 127.0.0.1 address."""
    return f"http://127.0.0.1:{server.port}{path}"


@pytest.fixture
def upstream(httpserver: HTTPServer) -> HTTPServer:
    """A feed, an article page and a sitemap listing that page, on 127.0.0.1."""
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/wire.rss").respond_with_data(
        FEED, content_type="application/rss+xml"
    )
    httpserver.expect_request("/article").respond_with_data(
        PAGE, content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/sitemap.xml").respond_with_data(
        SITEMAP.format(page=local(httpserver, "/article")), content_type="application/xml"
    )
    return httpserver


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return sample_config(tmp_path, 8080, extra="\n[fetch]\nhost_gap_seconds = 0\n")


def newsfeeds(config: Path, *args: str) -> Result:
    """Run one command in this process, with a wide terminal so table cells stay whole."""
    result = CliRunner().invoke(main, ["--config", str(config), *args], env={"COLUMNS": "250"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def counts(config: Path) -> tuple[int, int]:
    """(articles, documents) in the config's archive."""
    store = open_store(f"sqlite:///{config.parent / 'newsfeeds.db'}")
    try:
        with store.read() as conn:
            return tuple(  # type: ignore[return-value]
                int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
                for t in (articles, documents)
            )
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("/wire.rss", "feed", ["Storm reaches the coast", "Harbour reopens after repairs"]),
        ("/article", "page", ["Rupee firms as AT&T deal brings dollar inflows"]),
        ("/sitemap.xml", "sitemap", ["Rupee firms as AT&T deal brings dollar inflows"]),
    ],
)
def test_url_shows_its_articles_and_stores_nothing(
    config: Path, upstream: HTTPServer, path: str, kind: str, expected: list[str]
) -> None:
    result = newsfeeds(config, "try", local(upstream, path))

    assert result.exit_code == 0, result.output
    assert f"try ({kind})" in result.stdout
    for title in expected:
        assert title in result.stdout
    assert f"{len(expected)} articles, 0 rejected ({kind} source)" in result.stderr
    assert not (config.parent / "newsfeeds.db").exists()  # the archive is not even opened


def test_table_shows_each_column(config: Path, upstream: HTTPServer) -> None:
    result = newsfeeds(config, "try", local(upstream, "/article"))
    row = next(line for line in result.stdout.splitlines() if "Rupee firms" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells == [
        "Rupee firms as AT&T deal brings dollar inflows",
        "https://news.example.com/business/2026/03/02/rupee-firms",
        "2026-03-02 04:10",  # 09:40 +05:30 in UTC
        "business",  # the page's own articleSection, matched to a configured section
        "IN",
        "https://news.example.com/img/2026/03/rupee.jpg",
    ]


def test_configured_source_leaves_the_archive_as_it_was(config: Path) -> None:
    assert newsfeeds(config, "ingest", "world-wire").exit_code == 0
    before = counts(config)
    assert before[0] > 0 and before[1] > 0

    result = newsfeeds(config, "try", "world-wire")

    assert result.exit_code == 0, result.output
    assert "world-wire (feed)" in result.stdout
    assert f"{before[0]} articles, 0 rejected (feed source)" in result.stderr
    assert counts(config) == before


def test_unreachable_url_is_reported(config: Path, upstream: HTTPServer) -> None:
    result = newsfeeds(config, "try", local(upstream, "/missing"))
    assert result.exit_code == 1
    assert "HTTP 500" in result.stderr


def test_neither_id_nor_url_is_a_usage_error(config: Path) -> None:
    result = newsfeeds(config, "try", "not-a-source")
    assert result.exit_code == 2
    assert "neither a configured source id, an http(s) URL nor a local file" in result.output


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (b"<!DOCTYPE html><html><head></head></html>", None, "page"),
        (b"<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'/>", None, "page"),
        (b"<rss version='2.0'><channel/></rss>", "text/html", "page"),
        (b"<?xml version='1.0'?><sitemapindex xmlns='x'/>", "text/xml", "sitemap"),
        (b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>", None, "sitemap"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "text/xml", "feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "application/json", "feed"),
    ],
)
def test_kind_is_told_by_the_body(body: bytes, content_type: str | None, kind: str) -> None:
    assert kind_of(body, content_type) == kind
