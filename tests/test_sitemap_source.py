"""The sitemap kind: index -> news sitemaps -> pages, fetching only new or changed URLs."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

import pytest
from lxml import etree
from pytest_httpserver import HTTPServer

from sources.errors import FetchError, NotAFeedError
from sources.kinds import sitemap
from sources.kinds.base import CollectContext, Collected
from sources.model.raw import RawImage
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState

FIXTURES = Path(__file__).parent / "fixtures"
SITEMAPS = FIXTURES / "sitemap"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CTX = CollectContext(now=NOW, fetch=FetchSettings(host_gap_seconds=0, timeout_seconds=5))
G20 = "/world/2026/03/07/g20-johannesburg"
BARE = "/world/2026/03/09/bare"
CHIPS = "/technology/2026/03/02/chip-export-rules-explained"
FERRIES = "/world/2026/03/05/sydney-ferries"


def _sitemap(httpserver: HTTPServer, path: str, name: str) -> None:
    """Serve a sitemap fixture with HOST pointing at this server."""
    host = f"{httpserver.host}:{httpserver.port}"
    body = (SITEMAPS / name).read_text(encoding="utf-8").replace("HOST", host)
    httpserver.expect_request(path).respond_with_data(body, content_type="application/xml")


def _page(httpserver: HTTPServer, path: str, fixture: str) -> None:
    """Serve an HTML fixture page."""
    body = (FIXTURES / fixture).read_bytes()
    httpserver.expect_request(path).respond_with_data(body, content_type="text/html")


def _site(httpserver: HTTPServer) -> None:
    """robots.txt, the index, two news sitemaps and their pages."""
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    _sitemap(httpserver, "/sitemap.xml", "index.xml")
    _sitemap(httpserver, "/sitemaps/news-tech.xml", "news-tech.xml")
    _page(httpserver, G20, "page/several-countries.html")
    _page(httpserver, BARE, "sitemap/bare-page.html")
    _page(httpserver, CHIPS, "page/paywalled.html")
    _page(httpserver, FERRIES, "page/broken-jsonld.html")


def _source(url: str) -> SourceSpec:
    """A sitemap source."""
    return SourceSpec(
        id="news-sitemap", kind="sitemap", url=url, interval_seconds=300, section="world"
    )


def _paths(httpserver: HTTPServer) -> Counter[str]:
    """How often each path was requested."""
    return Counter(request.path for request, _ in httpserver.log)


def _after(source: SourceSpec, collected: Collected) -> SourceState:
    """The state a caller stores after a poll."""
    memo = collected.memo if collected.memo is not None else MappingProxyType({})
    return SourceState(source.id, source.url, memo=memo)


def test_index_then_only_unseen_or_changed_urls(httpserver: HTTPServer) -> None:
    _site(httpserver)
    _sitemap(httpserver, "/sitemaps/news-world.xml", "news-world.xml")
    source = _source(httpserver.url_for("/sitemap.xml"))
    first = sitemap.collect(source, SourceState(source.id, source.url), CTX)

    assert sorted(i.url or "" for i in first.items) == sorted(
        [
            "https://news.example.com/world/2026/03/07/g20-johannesburg",
            httpserver.url_for(BARE),
            "https://news.example.com/technology/2026/03/02/chip-export-rules-explained",
        ]
    )
    assert first.memo == {
        httpserver.url_for(G20): "2026-03-07T13:00:00+02:00",
        httpserver.url_for(BARE): "2026-03-09T08:00:00+01:00",
        httpserver.url_for(CHIPS): "2026-03-02T07:00:00-05:00",
    }
    assert all(n == 1 for n in _paths(httpserver).values())

    httpserver.clear_log()
    httpserver.clear()
    _site(httpserver)
    _sitemap(httpserver, "/sitemaps/news-world.xml", "news-world-later.xml")
    second = sitemap.collect(source, _after(source, first), CTX)
    fetched = _paths(httpserver)
    assert fetched[G20] == 1 and fetched[FERRIES] == 1  # edited and new
    assert BARE not in fetched and CHIPS not in fetched  # unchanged
    assert [i.title for i in second.items] == [
        "G20 finance ministers meet in Johannesburg amid debt relief push",
        "Sydney adds electric ferries to harbour fleet",
    ]
    assert second.memo is not None
    assert second.memo[httpserver.url_for(G20)] == "2026-03-07T16:30:00+02:00"
    assert second.memo[httpserver.url_for(BARE)] == "2026-03-09T08:00:00+01:00"


def test_sitemap_fills_what_the_page_leaves_out(httpserver: HTTPServer) -> None:
    _site(httpserver)
    _sitemap(httpserver, "/news.xml", "news-world.xml")
    source = _source(httpserver.url_for("/news.xml"))
    items = sitemap.collect(source, SourceState(source.id, source.url), CTX).items
    (bare,) = [i for i in items if i.url == httpserver.url_for(BARE)]
    assert bare.title == "Berlin votes on rent controls in citywide referendum"
    assert not bare.title_is_html
    assert bare.published == "2026-03-09T08:00:00+01:00"
    assert bare.categories == ("Housing", "Germany")
    assert bare.language == "en"
    assert bare.images == (
        RawImage(url=f"http://{httpserver.host}:{httpserver.port}/img/2026/03/berlin.jpg"),
    )
    assert bare.content is not None and "Landlord associations" in bare.content
    (g20,) = [i for i in items if i is not bare]
    assert g20.categories == ("G20", "Debt", "South Africa")  # the page had no keywords


def test_entities_are_never_expanded() -> None:
    root = sitemap.parse_sitemap((SITEMAPS / "entities.xml").read_bytes(), "entities.xml", 10_000)
    # An external entity (a local file) or a "billion laughs" one would show up in the
    # <loc> text if expanded; such locs are dropped instead.
    assert [e.loc for e in sitemap.entries(root)] == ["http://example.com/plain"]
    assert all("lol" not in (loc.text or "") for loc in root.iter("{*}loc"))


def test_gzipped_sitemap_is_read_within_bounds() -> None:
    body = gzip.compress((SITEMAPS / "news-tech.xml").read_bytes(), mtime=0)
    root = sitemap.parse_sitemap(body, "news-tech.xml.gz", 100_000)
    assert etree.QName(root).localname == "urlset"
    with pytest.raises(FetchError, match="inflates past max_bytes"):
        sitemap.parse_sitemap(body, "news-tech.xml.gz", 100)


def test_a_feed_is_not_a_sitemap() -> None:
    with pytest.raises(NotAFeedError, match="not a sitemap"):
        sitemap.parse_sitemap((SITEMAPS / "not-a-sitemap.xml").read_bytes(), "x.xml", 10_000)


def test_unchanged_sitemap_answers_not_modified(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/s.xml", headers={"If-None-Match": '"s1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"s1"'}
    )
    source = _source(httpserver.url_for("/s.xml"))
    state = SourceState(source.id, source.url, etag='"s1"', memo=MappingProxyType({"u": "d"}))
    collected = sitemap.collect(source, state, CTX)
    assert collected.not_modified and collected.items == () and collected.memo is None
