"""The index (/) and OPML (/feeds.opml) send validators and answer conditional GETs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from http_support import fetch, ingest, rebuild, record, serving, spec, write_config

from scheduler.service import Service

T1 = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
PAGES = ["/", "/feeds.opml"]


@pytest.fixture
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, int]]:
    service = Service(write_config(tmp_path_factory.mktemp("index")))
    service.app = service.make_app()
    ingest(service, [record(1)], at=T1, source=spec("wire", "world"))
    rebuild(service, service.app, T1)
    with serving(service.app) as port:
        yield service, port
    service.store.dispose()


@pytest.mark.parametrize("path", PAGES)
def test_validators_are_sent_and_the_same_each_time(served: tuple[Service, int], path: str) -> None:
    _, port = served
    first, second = fetch(port, path), fetch(port, path)
    assert first.status == 200 and first.body == second.body
    assert first.headers["etag"].startswith('"') and first.headers["etag"] == second.headers["etag"]
    assert first.headers["last-modified"] == format_datetime(T1, usegmt=True)


@pytest.mark.parametrize("path", PAGES)
def test_conditional_get_earns_a_304(served: tuple[Service, int], path: str) -> None:
    _, port = served
    page = fetch(port, path)
    by_etag = fetch(port, path, {"if-none-match": page.headers["etag"]})
    by_date = fetch(port, path, {"if-modified-since": page.headers["last-modified"]})
    for answer in (by_etag, by_date):
        assert answer.status == 304 and answer.body == b""
        assert answer.headers["etag"] == page.headers["etag"]
    assert fetch(port, path, {"if-none-match": '"other"'}).status == 200


@pytest.mark.parametrize("path", PAGES)
def test_a_new_feed_changes_the_validators(served: tuple[Service, int], path: str) -> None:
    service, port = served
    before = fetch(port, path)
    later = T1 + timedelta(hours=1)
    ingest(service, [record(2)], at=later, source=spec("desk", "business"))
    rebuild(service, service.app, later)
    after = fetch(port, path, {"if-none-match": before.headers["etag"]})
    assert after.status == 200 and after.headers["etag"] != before.headers["etag"]
    assert after.headers["last-modified"] == format_datetime(later, usegmt=True)


@pytest.mark.parametrize("path", PAGES)
def test_another_process_gives_the_same_validators(served: tuple[Service, int], path: str) -> None:
    service, port = served
    other = Service(service.cfg)  # its own engine and cache over the same archive
    with serving(other.make_app()) as other_port:
        theirs = fetch(other_port, path)
    other.store.dispose()
    ours = fetch(port, path)
    assert (theirs.body, theirs.headers["etag"]) == (ours.body, ours.headers["etag"])
    assert theirs.headers["last-modified"] == ours.headers["last-modified"]
