"""The page kind: extraction per fixture page, and polling over real local HTTP."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sources.errors import FetchError, SourceError
from sources.html.extract import extract
from sources.html.selectors import rules_from
from sources.kinds import page
from sources.kinds.base import CollectContext, Collected
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState

FIXTURES = Path(__file__).parent / "fixtures" / "page"
CASES = sorted(p.name.removesuffix(".expected.json") for p in FIXTURES.glob("*.expected.json"))
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CTX = CollectContext(now=NOW, fetch=FetchSettings(host_gap_seconds=0, timeout_seconds=5))
G20 = "/world/2026/03/07/g20-johannesburg"
FERRIES = "/world/2026/03/05/sydney-ferries"


def spec(url: str, **options: object) -> SourceSpec:
    """A page source in the Asia/Kolkata timezone with the given options."""
    return SourceSpec(
        id="pages",
        kind="page",
        url=url,
        interval_seconds=300,
        section="world",
        timezone="Asia/Kolkata",
        options=MappingProxyType(options),
    )


@pytest.mark.parametrize("case", CASES)
def test_fixture_page_gives_expected_fields(case: str) -> None:
    expected = json.loads((FIXTURES / f"{case}.expected.json").read_text(encoding="utf-8"))
    source = spec(expected["url"], **expected["options"])
    html = (FIXTURES / f"{case}.html").read_bytes()
    item = extract(source.id, html, expected["url"], rules_from(source))
    found = json.loads(json.dumps(asdict(item)))
    assert found.pop("source_id") == "pages"
    assert found.pop("upstream_id") is None and found.pop("status") is None
    assert found.pop("guid") is None  # only a CMS gives one (push API, drop folder)
    assert found == expected["item"]


def test_several_fixture_quirks_are_covered() -> None:
    assert {
        "jsonld-only",
        "jsonld-graph",
        "opengraph-only",
        "selectors-only",
        "several-countries",
        "paywalled",
        "broken-jsonld",
    } <= set(CASES)


def test_boilerplate_never_reaches_the_body() -> None:
    source = spec("https://news.example.com/x", **_options("selectors-only"))
    html = (FIXTURES / "selectors-only.html").read_bytes()
    content = extract(source.id, html, source.url, rules_from(source)).content or ""
    for furniture in ("TRENDING", "Latest", "BLOG", "Advertisement", "Also read", "About"):
        assert furniture not in content
    assert "The full House is expected to vote next month." in content


def _options(case: str) -> dict[str, object]:
    """A fixture's source options."""
    text = (FIXTURES / f"{case}.expected.json").read_text(encoding="utf-8")
    options: dict[str, object] = json.loads(text)["options"]
    return options


def _serve(httpserver: HTTPServer, robots: str = "User-agent: *\nDisallow: /private/\n") -> None:
    """The listing, two articles (one with an ETag) and robots.txt."""
    httpserver.expect_request("/robots.txt").respond_with_data(robots, content_type="text/plain")
    httpserver.expect_request("/").respond_with_data(
        (FIXTURES / "listing.html").read_bytes(), content_type="text/html"
    )
    httpserver.expect_request(G20).respond_with_handler(_with_etag("several-countries.html"))
    httpserver.expect_request(FERRIES).respond_with_data(
        (FIXTURES / "broken-jsonld.html").read_bytes(), content_type="text/html"
    )


def _with_etag(name: str) -> Callable[[Request], Response]:
    """A handler serving a fixture with an ETag, answering 304 when the client has it."""

    def handle(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        body = (FIXTURES / name).read_bytes()
        return Response(body, content_type="text/html", headers={"ETag": '"v1"'})

    return handle


def _paths(httpserver: HTTPServer) -> Counter[str]:
    """How often each path was requested."""
    return Counter(request.path for request, _ in httpserver.log)


def _next_state(source: SourceSpec, collected: Collected) -> SourceState:
    """The state a caller would store after a poll."""
    return SourceState(
        source.id,
        source.url,
        etag=collected.etag,
        last_modified=collected.last_modified,
        memo=collected.memo or MappingProxyType({}),
    )


def test_listing_then_only_new_or_changed_pages(httpserver: HTTPServer) -> None:
    _serve(httpserver)
    source = spec(httpserver.url_for("/"), link_selector="ul.stories li.story")
    first = page.collect(source, SourceState(source.id, source.url), CTX)
    assert [i.title for i in first.items] == [
        "G20 finance ministers meet in Johannesburg amid debt relief push",
        "Sydney adds electric ferries to harbour fleet",
    ]
    assert first.items[0].countries[:2] == ("South Africa", "United States")
    assert first.memo == {
        httpserver.url_for(G20): '"v1"\n',
        httpserver.url_for(FERRIES) + "?src=home": "\n",
    }
    assert _paths(httpserver) == Counter({"/robots.txt": 1, "/": 1, G20: 1, FERRIES: 1})

    httpserver.clear_log()
    second = page.collect(source, _next_state(source, first), CTX)
    assert second.items == ()
    assert second.memo == first.memo
    # The ETag'd page is asked conditionally (304); the one without validators is not asked.
    assert _paths(httpserver) == Counter({"/robots.txt": 1, "/": 1, G20: 1})
    assert [resp.status_code for req, resp in httpserver.log if req.path == G20] == [304]


def test_robots_txt_keeps_disallowed_pages_unfetched(httpserver: HTTPServer) -> None:
    _serve(httpserver)
    httpserver.expect_request("/private/draft").respond_with_data("secret")
    urls = [httpserver.url_for("/private/draft"), httpserver.url_for(G20)]
    collected = page.collect(spec(urls[1], urls=urls), SourceState("pages", urls[1]), CTX)
    assert len(collected.items) == 1
    assert collected.notes == (f"skipped:{urls[0]}:robots.txt disallows {urls[0]}",)
    assert collected.warning == "1 of 2 pages could not be read"
    assert "/private/draft" not in _paths(httpserver)


def test_unreachable_robots_txt_means_disallow_all(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("down", status=503)
    url = httpserver.url_for(G20)
    with pytest.raises(FetchError, match="none of the 1 pages could be read"):
        page.collect(spec(url, urls=[url]), SourceState("pages", url), CTX)
    assert G20 not in _paths(httpserver)


def test_missing_robots_txt_allows_all(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("none", status=404)
    httpserver.expect_request(G20).respond_with_handler(_with_etag("several-countries.html"))
    url = httpserver.url_for(G20)
    collected = page.collect(spec(url, urls=[url]), SourceState("pages", url), CTX)
    assert [i.section for i in collected.items] == ["World"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"selectors": {"title": "h1[["}}, r"sources\.pages\.selectors\.title: not a CSS"),
        ({"patterns": {"updated": "Updated:("}}, r"sources\.pages\.patterns\.updated"),
        ({"selectors": {"headline": "h1"}}, r"selectors\.headline: unknown field"),
        ({"date_format": 5}, r"date_format: must be a strptime format"),
    ],
)
def test_bad_options_name_the_key(options: dict[str, object], message: str) -> None:
    with pytest.raises(SourceError, match=message):
        rules_from(spec("https://news.example.com/", **options))
