"""The index (/) for people: headlines under the main feeds, the rest folded, a search box."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from http_support import BASE_URL, fetch, ingest, rebuild, record, serving, spec, write_config
from lxml import html

from scheduler.service import Service

T1 = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[html.HtmlElement]:
    service = Service(write_config(tmp_path_factory.mktemp("index-page")))
    service.app = service.make_app()
    world = [record(n, countries=["IN", "FR"]) for n in range(1, 6)]
    ingest(service, world, at=T1, source=spec("wire", "world"))
    ingest(service, [record(9)], at=T1, source=spec("desk", "business"))
    rebuild(service, service.app, T1)
    with serving(service.app) as port:
        yield html.fromstring(fetch(port, "/").body)
    service.store.dispose()


def test_head_announces_only_latest_and_each_section(index: html.HtmlElement) -> None:
    alternates = {str(h) for h in index.xpath("//head/link[@rel='alternate']/@href")}
    stems = ("latest", "section/world", "section/business")
    wanted = {f"{BASE_URL}/feeds/{s}.{f}" for s in stems for f in ("rss", "atom", "json")}
    assert alternates == wanted | {f"{BASE_URL}/feeds.opml"}


def test_sections_come_first_with_their_newest_headlines(index: html.HtmlElement) -> None:
    assert [str(h) for h in index.xpath("//h2/text()")] == ["Latest", "Sections", "Countries"]
    world = index.xpath("//li[@data-name='world section/world']")[0]
    shown = world.xpath("./ol/li/a")
    assert len(shown) == 3  # the newest few, not the whole feed
    assert [a.get("href") for a in shown] == [f"https://news.test/story/{n}" for n in (5, 4, 3)]
    business = index.xpath("//li[@data-name='business section/business']/ol/li/a/text()")
    assert business == ["Story number 9"]


def test_countries_and_combinations_are_one_level_down(index: html.HtmlElement) -> None:
    folded = index.xpath("//details//li[@data-name]/@data-name")
    assert {"india country/in", "france country/fr"} <= set(folded)
    assert {"india section/world/in", "france section/world/fr"} <= set(folded)
    assert not index.xpath("//details//li[@data-name='world section/world']")
    summaries = [str(s) for s in index.xpath("//summary/text()")]
    assert "By country (2)" in summaries and "All 2 countries" in summaries


def test_a_search_box_filters_by_name(index: html.HtmlElement) -> None:
    box = index.xpath("//input[@type='search']")[0]
    assert index.xpath(f"//label[@for='{box.get('id')}']")
    assert all(
        li.get("data-name") == li.get("data-name").lower() for li in index.xpath("//li[@data-name]")
    )
    assert "data-name" in index.xpath("//script/text()")[0]


def test_every_feed_is_linked_by_format_and_preview(index: html.HtmlElement) -> None:
    links = {str(h) for h in index.xpath("//body//a/@href")}
    names = ["latest", "section/world", "section/business", "country/in", "section/world/fr"]
    for name in names:
        assert f"{BASE_URL}/feeds/{name}.html" in links
        assert all(f"{BASE_URL}/feeds/{name}.{f}" in links for f in ("rss", "atom", "json"))
