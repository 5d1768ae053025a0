"""Conditional GET, content codings and caching headers, on a real socket (RFC 9110/9111)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import brotli
import pytest
from http_support import (
    BASE_URL,
    Reply,
    fetch,
    ingest,
    rebuild,
    record,
    serving,
    spec,
    stored,
    write_config,
)

from feeds.build import publish
from scheduler.service import Service

T1 = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 11, 8, 30, 0, tzinfo=UTC)
WORLD = "/feeds/section/world.atom"
CACHE_CONTROL = "public, max-age=120, stale-while-revalidate=30, stale-if-error=600"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, int]]:
    """World built at T1, business (and latest) at T2, served on a real port."""
    service = Service(
        write_config(tmp_path_factory.mktemp("conditional"), hubs=("http://hub.test/",))
    )
    app = service.make_app()
    service.app = app
    ingest(service, [record(1), record(2)], at=T1, source=spec("wire", "world"))
    rebuild(service, app, T1)
    ingest(service, [record(3)], at=T2, source=spec("desk", "business"))
    rebuild(service, app, T2)
    with serving(app) as port:
        yield service, port
    service.store.dispose()


def get(served: tuple[Service, int], path: str = WORLD, **headers: str) -> Reply:
    return fetch(served[1], path, {k.replace("_", "-"): v for k, v in headers.items()})


def test_200_carries_strong_etag_and_caching_headers(served: tuple[Service, int]) -> None:
    reply = get(served)
    doc = stored(served[0], WORLD)
    assert reply.status == 200
    assert reply.body == doc.body
    assert reply.headers["etag"] == doc.etag and not doc.etag.startswith("W/")
    assert reply.headers["cache-control"] == CACHE_CONTROL
    assert reply.headers["vary"] == "Accept-Encoding"
    assert "expires" not in reply.headers
    assert reply.headers["content-type"] == "application/atom+xml; charset=utf-8"
    link = reply.headers["link"]
    assert '<http://hub.test/>; rel="hub"' in link
    assert f'<{BASE_URL}{WORLD}>; rel="self"' in link


def test_last_modified_is_the_documents_own_change_time(served: tuple[Service, int]) -> None:
    # world last changed at T1; business and latest changed later, at T2: not site-wide
    assert get(served).headers["last-modified"] == "Tue, 10 Mar 2026 12:00:00 GMT"
    latest = get(served, "/feeds/latest.atom").headers["last-modified"]
    assert latest == "Wed, 11 Mar 2026 08:30:00 GMT"


def test_if_none_match_hit_is_304_with_the_same_headers(served: tuple[Service, int]) -> None:
    first = get(served)
    again = get(served, if_none_match=first.headers["etag"])
    assert again.status == 304
    assert again.body == b""
    for name in ("etag", "cache-control", "vary", "last-modified", "link"):
        assert again.headers[name] == first.headers[name], name


@pytest.mark.parametrize(
    "header",
    [
        "W/{etag}",
        '"nope", {etag}',
        '"nope",W/{etag} , "other"',
        "*",
    ],
    ids=["weak", "list", "weak-in-list", "star"],
)
def test_if_none_match_forms(served: tuple[Service, int], header: str) -> None:
    etag = get(served).headers["etag"]
    reply = get(served, if_none_match=header.format(etag=etag))
    assert reply.status == 304
    assert reply.headers["etag"] == etag


def test_if_none_match_miss_wins_over_matching_if_modified_since(
    served: tuple[Service, int],
) -> None:
    last_modified = get(served).headers["last-modified"]
    reply = get(served, if_none_match='"something-else"', if_modified_since=last_modified)
    assert reply.status == 200  # RFC 9110 §13.1.3: IMS is ignored when INM is present
    assert reply.body


@pytest.mark.parametrize(
    ("offset", "status"),
    [(timedelta(0), 304), (timedelta(days=3), 304), (timedelta(seconds=-1), 200)],
    ids=["exact", "later", "one-second-earlier"],
)
def test_if_modified_since_alone(
    served: tuple[Service, int], offset: timedelta, status: int
) -> None:
    reply = get(served, if_modified_since=format_datetime(T1 + offset, usegmt=True))
    assert reply.status == status


@pytest.mark.parametrize("value", ["yesterday", "", "Tue, 99 Mar 2026 12:00:00 GMT", "1741608000"])
def test_invalid_if_modified_since_is_ignored(served: tuple[Service, int], value: str) -> None:
    assert get(served, if_modified_since=value).status == 200


def test_each_coding_has_its_own_etag_and_the_same_content(served: tuple[Service, int]) -> None:
    identity = get(served)
    gz = get(served, accept_encoding="gzip")
    br = get(served, accept_encoding="br, gzip")
    assert "content-encoding" not in identity.headers
    assert gz.headers["content-encoding"] == "gzip"
    assert br.headers["content-encoding"] == "br"
    assert len({identity.headers["etag"], gz.headers["etag"], br.headers["etag"]}) == 3
    assert gzip.decompress(gz.body) == identity.body
    assert brotli.decompress(br.body) == identity.body
    assert gz.body[4:8] == b"\0\0\0\0"  # mtime=0: the same bytes in every process
    assert get(served, accept_encoding="gzip").body == gz.body
    assert get(served, accept_encoding="br;q=0, gzip").headers["content-encoding"] == "gzip"
    assert "content-encoding" not in get(served, accept_encoding="gzip;q=0").headers
    revalidated = get(served, accept_encoding="gzip", if_none_match=gz.headers["etag"])
    assert revalidated.status == 304 and revalidated.headers["etag"] == gz.headers["etag"]


def test_304_names_the_cached_variant_the_client_holds(served: tuple[Service, int]) -> None:
    identity_etag = get(served).headers["etag"]
    reply = get(served, accept_encoding="gzip", if_none_match=identity_etag)
    assert reply.status == 304
    assert reply.headers["etag"] == identity_etag


def test_head_has_the_get_headers_and_no_body(served: tuple[Service, int]) -> None:
    for encoding in ("identity", "gzip", "br"):
        got = get(served, accept_encoding=encoding)
        head = fetch(served[1], WORLD, {"accept-encoding": encoding}, method="HEAD")
        assert head.status == 200
        assert head.body == b""
        assert head.headers == got.headers


def test_unknown_query_parameters_are_ignored(served: tuple[Service, int]) -> None:
    plain = get(served)
    busted = get(served, WORLD + "?_=123")
    assert busted.status == 200
    assert busted.headers["etag"] == plain.headers["etag"]
    assert busted.body == plain.body
    assert (
        get(served, WORLD + "?utm_source=x&_=9", if_none_match=plain.headers["etag"]).status == 304
    )


def test_unchanged_rebuild_keeps_etag_and_last_modified(served: tuple[Service, int]) -> None:
    service = served[0]
    before = get(served)
    assert service.app is not None
    publish.mark_all(service.store)
    later = T2 + timedelta(days=1)
    changed = publish.rebuild_dirty(
        service.store, service.site, owner="t", now=lambda: later, on_change=service.app.cache.drop
    ).changed
    assert changed == []
    after = get(served)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.headers["last-modified"] == before.headers["last-modified"]
