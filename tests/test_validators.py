"""A 304 keeps the validators the server sent with it, else the stored ones, in every kind.

The feed kind did; a page source's listing and a sitemap kept the stored ETag even when
the 304 brought a new one, so the next poll sent a validator the server had replaced.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sources.kinds import feed, page, sitemap
from sources.kinds.base import CollectContext, Collected
from sources.model.spec import FetchSettings, SourceSpec
from sources.model.state import SourceState
from sources.net import health

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SETTINGS = FetchSettings(host_gap_seconds=0, timeout_seconds=5)
CTX = CollectContext(now=NOW, fetch=SETTINGS)
OLD, NEW = '"v1"', '"v2"'


def not_modified(sends: dict[str, str]) -> object:
    """A handler answering 304 to a request that names the old ETag, with these headers."""

    def handler(request: Request) -> Response:
        assert request.headers.get("If-None-Match") == OLD
        return Response(status=304, headers=sends)

    return handler


def collect(kind: str, httpserver: HTTPServer) -> Collected:
    """One poll of a source of this kind whose document answers 304."""
    url = httpserver.url_for("/doc")
    spec = SourceSpec(id="s", kind=kind, url=url, interval_seconds=300, section="world")
    if kind == "page":
        spec = dataclasses.replace(spec, options={"listing": url, "link_selector": "a"})
    state = SourceState("s", url, etag=OLD, last_modified="Mon, 09 Mar 2026 10:00:00 GMT")
    collector = {"feed": feed.collect, "page": page.collect, "sitemap": sitemap.collect}[kind]
    return collector(spec, state, CTX)


def stored_after(collected: Collected) -> tuple[str | None, str | None]:
    """The validators the source's state holds after the poll."""
    state = SourceState("s", "x", etag=OLD, last_modified="Mon, 09 Mar 2026 10:00:00 GMT")
    after = health.after_success(state, collected, now=NOW, interval_seconds=300, settings=SETTINGS)
    return after.etag, after.last_modified


@pytest.mark.parametrize("kind", ["feed", "page", "sitemap"])
def test_a_304_with_a_new_etag_replaces_the_stored_one(httpserver: HTTPServer, kind: str) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/doc").respond_with_handler(not_modified({"ETag": NEW}))
    collected = collect(kind, httpserver)
    assert collected.not_modified and collected.items == ()
    assert collected.etag == NEW
    assert stored_after(collected) == (NEW, "Mon, 09 Mar 2026 10:00:00 GMT")


@pytest.mark.parametrize("kind", ["feed", "page", "sitemap"])
def test_a_304_without_validators_keeps_the_stored_ones(httpserver: HTTPServer, kind: str) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/doc").respond_with_handler(not_modified({}))
    collected = collect(kind, httpserver)
    assert collected.not_modified
    assert stored_after(collected) == (OLD, "Mon, 09 Mar 2026 10:00:00 GMT")
