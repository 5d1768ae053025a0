"""The Google News sitemap: the last two days' own articles, valid, stable, served like feeds.

Validity is checked against the Sitemaps 0.9 and Google News 0.9 schemas (tests/data/xsd,
each file naming the published schema it reproduces).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from http_support import fetch, ingest, serving, spec, stored, write_config
from lxml import etree

from feeds.archive import documents as docs
from feeds.build import newsmap
from feeds.render.newsmap import news_language
from scheduler.config import load
from scheduler.errors import ConfigError
from scheduler.service import Service

XSD = Path(__file__).parent / "data" / "xsd"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": newsmap.newsmap.NEWS_NS}
NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
SITEMAPS = '[sitemaps]\nhosts = ["news.test"]\npublication_name = "The Test Ledger"\n\n'


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / name)))


URLSET = _schema("news-urlset.xsd")
INDEX = _schema("siteindex.xsd")


def _valid(schema: etree.XMLSchema, body: bytes) -> etree._Element:
    root = etree.fromstring(body)
    assert schema.validate(root), schema.error_log
    return root


def _record(n: int, hours_ago: float, **fields: object) -> dict[str, object]:
    at = NOW - timedelta(hours=hours_ago)
    base: dict[str, object] = {
        "id": f"s{n}",
        "url": f"https://news.test/story/{n}",
        "title": f"Story number {n} & more",
        "summary": "What happened.",
        "published": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return base | fields


def _service(tmp_path: Path) -> Service:
    return Service(write_config(tmp_path, extra=SITEMAPS))


def _refresh(service: Service, at: datetime) -> newsmap.Refreshed:
    assert service.cfg.sitemaps is not None
    return newsmap.refresh(service.store, service.site, service.cfg.sitemaps, at)


def _locs(root: etree._Element) -> list[str]:
    return [str(x) for x in root.xpath("//s:loc/text()", namespaces=NS)]


def test_lists_the_last_two_days_own_live_articles_newest_first(tmp_path: Path) -> None:
    service = _service(tmp_path)
    records = [
        _record(1, 1, language="en-GB"),
        _record(2, 47.5, language="zh-Hant-TW"),
        _record(3, 49),  # older than two days
        _record(4, 2, url="https://wire.example/story/4"),  # a wire story on another host
        _record(5, 3, status="withdrawn"),
        _record(6, -48),  # embargoed: published two days ahead
        _record(7, 0.5),
    ]
    ingest(service, records, at=NOW, source=spec())
    _refresh(service, NOW)
    root = _valid(URLSET, stored(service, newsmap.NEWS_PATH).body)
    assert _locs(root) == [f"https://news.test/story/{n}" for n in (7, 1, 2)]
    names = root.xpath("//n:publication/n:name/text()", namespaces=NS)
    assert set(names) == {"The Test Ledger"}
    assert root.xpath("//n:language/text()", namespaces=NS) == ["en", "en", "zh-tw"]
    assert root.xpath("//n:title/text()", namespaces=NS)[0] == "Story number 7 & more"
    dates = root.xpath("//n:publication_date/text()", namespaces=NS)
    assert dates[0] == "2026-03-10T11:30:00Z"
    service.store.dispose()


def test_more_than_a_thousand_gives_an_index_of_hourly_files_that_stay_stable(
    tmp_path: Path,
) -> None:
    service = _service(tmp_path)
    # 1,200 articles over 20 hours: 60 an hour
    records = [_record(n, 1 + n / 60) for n in range(1200)]
    ingest(service, records, at=NOW, source=spec())
    _refresh(service, NOW)
    news = _valid(URLSET, stored(service, newsmap.NEWS_PATH).body)
    assert len(_locs(news)) == newsmap.PER_FILE
    index = _valid(INDEX, stored(service, newsmap.INDEX_PATH).body)
    files = [loc.removeprefix("http://feeds.test") for loc in _locs(index)]
    # story 0 is 11:00 exactly, the rest 60 an hour back from 10:59
    assert len(files) == 21 and files[:2] == [
        "/sitemaps/news-2026031011.xml",
        "/sitemaps/news-2026031010.xml",
    ]
    listed = []
    for path in files:
        part = _valid(URLSET, stored(service, path).body)
        assert 0 < len(_locs(part)) <= newsmap.PER_FILE
        listed += _locs(part)
    assert sorted(listed) == sorted(f"https://news.test/story/{n}" for n in range(1200))
    older = {p: stored(service, p).etag for p in files[1:]}
    ingest(service, [_record(5000, 0.2)], at=NOW, source=spec())
    changed = _refresh(service, NOW).changed
    assert set(changed) == {newsmap.NEWS_PATH, newsmap.INDEX_PATH, files[0]}
    assert {p: stored(service, p).etag for p in files[1:]} == older
    service.store.dispose()


def test_a_split_hour_past_a_thousand_gets_numbered_parts(tmp_path: Path) -> None:
    service = _service(tmp_path)
    records = [_record(n, 1.05 + n / 1200 * 0.8) for n in range(1100)]  # all in one hour
    ingest(service, records, at=NOW, source=spec())
    _refresh(service, NOW)
    index = _valid(INDEX, stored(service, newsmap.INDEX_PATH).body)
    files = [loc.removeprefix("http://feeds.test") for loc in _locs(index)]
    assert files == ["/sitemaps/news-2026031010.xml", "/sitemaps/news-2026031010-2.xml"]
    sizes = [len(_locs(_valid(URLSET, stored(service, p).body))) for p in files]
    assert sizes == [1000, 100]
    service.store.dispose()


def test_same_articles_same_bytes_and_the_window_moves_at_48_hours(tmp_path: Path) -> None:
    service = _service(tmp_path)
    ingest(service, [_record(1, 40), _record(2, 10)], at=NOW, source=spec())
    first = _refresh(service, NOW)
    assert first.changed == [newsmap.NEWS_PATH]
    assert first.due == NOW + timedelta(hours=8)  # when story 1 turns 48 hours old
    made = stored(service, newsmap.NEWS_PATH)
    later = NOW + timedelta(hours=7)
    assert _refresh(service, later).changed == []
    again = stored(service, newsmap.NEWS_PATH)
    assert (again.body, again.etag, again.changed_at) == (made.body, made.etag, made.changed_at)
    moved = _refresh(service, NOW + timedelta(hours=8, seconds=1))
    assert moved.changed == [newsmap.NEWS_PATH] and moved.due == NOW + timedelta(hours=38)
    root = _valid(URLSET, stored(service, newsmap.NEWS_PATH).body)
    assert _locs(root) == ["https://news.test/story/2"]
    service.store.dispose()


def test_served_with_validators_and_304_and_retired_files_are_gone(tmp_path: Path) -> None:
    service = _service(tmp_path)
    ingest(service, [_record(n, 1 + n / 60) for n in range(1001)], at=NOW, source=spec())
    _refresh(service, NOW)
    app = service.make_app()
    with serving(app) as port:
        first = fetch(port, newsmap.NEWS_PATH)
        assert first.status == 200 and first.headers["content-type"] == newsmap.newsmap.MEDIA_TYPE
        assert first.headers["etag"] and first.headers["last-modified"]
        again = fetch(port, newsmap.NEWS_PATH, {"If-None-Match": first.headers["etag"]})
        assert again.status == 304 and again.body == b""
        modified = {"If-Modified-Since": first.headers["last-modified"]}
        since = fetch(port, newsmap.NEWS_PATH, modified)
        assert since.status == 304
        index = fetch(port, newsmap.INDEX_PATH)
        assert index.status == 200
        oldest = _locs(etree.fromstring(index.body))[-1].removeprefix("http://feeds.test")
        assert fetch(port, oldest).status == 200
        # the oldest hour ages out, leaving 1,000 or fewer: index and that file are retired
        app.cache.drop(_refresh(service, NOW + timedelta(hours=31)).changed)
        assert fetch(port, newsmap.INDEX_PATH).status == 410
        assert fetch(port, oldest).status == 410
        assert fetch(port, newsmap.NEWS_PATH).status == 200
        assert fetch(port, "/sitemaps/news-2099010100.xml").status == 404
    service.store.dispose()


def test_without_sitemaps_config_nothing_is_served(tmp_path: Path) -> None:
    service = Service(write_config(tmp_path))
    assert service.cfg.sitemaps is None and service.distribution.news is None
    service.rebuild()
    with serving(service.make_app()) as port:
        assert fetch(port, newsmap.NEWS_PATH).status == 404
    service.store.dispose()


def test_the_service_refreshes_it_when_latest_is_rebuilt(tmp_path: Path) -> None:
    service = _service(tmp_path)
    service.start_feeds()
    ingest(service, [_record(1, 1)], at=NOW, source=spec())
    service.rebuild()  # the real clock: story 1 is long past two days old
    assert _locs(_valid_or_empty(stored(service, newsmap.NEWS_PATH).body)) == []
    assert service.distribution.news is not None and service.distribution.news.built
    recent = datetime.now(UTC) - timedelta(hours=1)
    fresh = _record(2, 0, published=recent.strftime("%Y-%m-%dT%H:%M:%SZ"))
    ingest(service, [fresh], at=datetime.now(UTC), source=spec())
    assert service.distribution.news.is_due({"latest"}, datetime.now(UTC))
    service.rebuild()
    root = _valid(URLSET, stored(service, newsmap.NEWS_PATH).body)
    assert _locs(root) == ["https://news.test/story/2"]
    service.store.dispose()


def _valid_or_empty(body: bytes) -> etree._Element:
    """An empty urlset: the schema wants at least one url, so only its shape is checked."""
    root = etree.fromstring(body)
    assert root.tag == f"{{{NS['s']}}}urlset" and len(root) == 0
    return root


def test_retired_files_are_deleted_after_a_week(tmp_path: Path) -> None:
    service = _service(tmp_path)
    ingest(service, [_record(n, 1 + n / 60) for n in range(1001)], at=NOW, source=spec())
    _refresh(service, NOW)
    _refresh(service, NOW + timedelta(hours=31))
    with service.store.read() as conn:
        assert newsmap.INDEX_PATH in docs.paths_of(conn, newsmap.GONE)
    _refresh(service, NOW + timedelta(days=10))
    with service.store.read() as conn:
        assert docs.paths_of(conn, newsmap.GONE) == {}
    service.store.dispose()


@pytest.mark.parametrize(
    ("tag", "want"),
    [("en-GB", "en"), ("pt_BR", "pt"), ("zh-Hans", "zh-cn"), ("zh-TW", "zh-tw"), (None, "fr")],
)
def test_languages_as_the_news_sitemap_wants_them(tag: str | None, want: str) -> None:
    assert news_language(tag, "fr") == want


def test_config_names_a_missing_host_list(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[sitemaps]\npublication_name = "X"\n\n[[sections]]\nslug = "world"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as err:
        load(path)
    assert "sitemaps.hosts" in str(err.value)
    path.write_text(
        '[sitemaps]\nhosts = ["https://x.test/"]\n\n[[sections]]\nslug = "world"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load(path)
    assert "sitemaps.hosts: must be host names" in str(err.value)
