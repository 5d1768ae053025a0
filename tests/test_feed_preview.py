"""The HTML preview of every feed (/feeds/{key}.html): items, subscribe actions, validators."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from http_support import BASE_URL, fetch, ingest, rebuild, record, serving, spec, write_config
from lxml import etree, html

from feeds.http.preview_read import read
from scheduler.service import Service

T1 = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "golden"
STYLE = Path(__file__).parent.parent / "feeds" / "static" / "style.xsl"
IMAGE = "https://img.news.test/story-1.jpg"
KINDS = ["latest", "section/world", "country/in", "section/world/in"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, int]]:
    service = Service(write_config(tmp_path_factory.mktemp("preview")))
    service.app = service.make_app()
    stories = [record(1, image={"url": IMAGE}, countries=["IN"]), record(2, summary="<p>A b</p>")]
    ingest(service, stories, at=T1, source=spec("wire", "world"))
    rebuild(service, service.app, T1)
    with serving(service.app) as port:
        yield service, port
    service.store.dispose()


@pytest.mark.parametrize("name", KINDS)
def test_every_feed_kind_has_a_preview_of_its_items(served: tuple[Service, int], name: str) -> None:
    _, port = served
    reply = fetch(port, f"/feeds/{name}.html")
    assert reply.status == 200 and reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["x-robots-tag"] == "noindex, follow"
    page = html.fromstring(reply.body)
    assert page.xpath("//meta[@name='robots']/@content") == ["noindex, follow"]
    titles = page.xpath("//article/h2/a/text()")
    assert "Story number 1" in titles
    assert page.xpath("//article/h2/a[.='Story number 1']/@href") == ["https://news.test/story/1"]
    # the UTC time is the text a reader without script sees; the script shows the local one
    assert page.xpath("//article//time/@datetime")[-1].endswith("Z")
    assert all(t.endswith(" UTC") for t in page.xpath("//article//time/text()"))
    assert page.xpath("//script")


def test_images_have_alt_text_and_summaries_are_text(served: tuple[Service, int]) -> None:
    _, port = served
    page = html.fromstring(fetch(port, "/feeds/section/world.html").body)
    assert page.xpath("//article//img/@src") == [IMAGE]
    assert page.xpath("//article//img/@alt") == ["Story number 1"]
    assert "A b" in page.xpath("//article/p/text()")  # the summary's markup is not shown raw


def test_subscribe_actions(served: tuple[Service, int]) -> None:
    _, port = served
    page = html.fromstring(fetch(port, "/feeds/section/world.html").body)
    atom = f"{BASE_URL}/feeds/section/world.atom"
    assert page.xpath("//input[@id='feed-url']/@value") == [atom]
    assert page.xpath("//button[@data-copy='feed-url']")
    links = set(page.xpath("//a/@href"))
    assert {f"{BASE_URL}/feeds/section/world.{f}" for f in ("rss", "atom", "json")} <= links
    assert f"{BASE_URL}/feeds.opml" in links
    assert "https://feedly.com/i/subscription/feed/" + quote(atom, safe="") in links
    assert f"https://www.inoreader.com/?add_feed={quote(atom, safe='')}" in links


def test_the_index_links_every_preview(served: tuple[Service, int]) -> None:
    _, port = served
    page = html.fromstring(fetch(port, "/").body)
    previews = {h for h in page.xpath("//a/@href") if h.endswith(".html")}
    assert previews == {f"{BASE_URL}/feeds/{name}.html" for name in KINDS}


def test_validators_and_a_304(served: tuple[Service, int]) -> None:
    service, port = served
    first, second = fetch(port, "/feeds/latest.html"), fetch(port, "/feeds/latest.html")
    assert first.body == second.body and first.headers["etag"] == second.headers["etag"]
    again = fetch(port, "/feeds/latest.html", {"if-none-match": first.headers["etag"]})
    assert again.status == 304 and again.body == b""
    other = Service(service.cfg)  # another process over the same archive: the same bytes
    with serving(other.make_app()) as other_port:
        theirs = fetch(other_port, "/feeds/latest.html")
    other.store.dispose()
    assert (theirs.body, theirs.headers["etag"]) == (first.body, first.headers["etag"])


@pytest.mark.parametrize(
    "target", ["/feeds/section/nowhere.html", "/feeds/section/world/archive/1.html", "/feeds/.html"]
)
def test_no_preview_without_a_feed(served: tuple[Service, int], target: str) -> None:
    _, port = served
    assert fetch(port, target).status == 404


def test_feeds_keep_their_media_type_whatever_the_browser_accepts(
    served: tuple[Service, int],
) -> None:
    _, port = served
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    plain, asked = fetch(port, "/feeds/latest.atom"), fetch(port, "/feeds/latest.atom", browser)
    assert asked.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert asked.body == plain.body and asked.headers["etag"] == plain.headers["etag"]


@pytest.mark.parametrize("name", ["section/world", "section/world/archive/3"])
def test_the_stylesheet_links_the_preview(served: tuple[Service, int], name: str) -> None:
    _, port = served
    doc = etree.fromstring(fetch(port, "/feeds/section/world.atom").body)
    for link in doc.iter("{http://www.w3.org/2005/Atom}link"):
        if link.get("rel") == "self":  # as a history page's own address would read
            link.set("href", f"{BASE_URL}/feeds/{name}.atom")
    shown = etree.XSLT(etree.parse(str(STYLE)))(doc)
    assert shown.xpath("//p[@class='preview']/a/@href") == [f"{BASE_URL}/feeds/section/world.html"]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_every_format_reads_back_to_the_same_items(fmt: str) -> None:
    want = read("json", (GOLDEN / "render_world.json").read_bytes())
    got = read(fmt, (GOLDEN / f"render_world.{fmt}").read_bytes())
    assert want.entries and [e.title for e in got.entries] == [e.title for e in want.entries]
    assert [e.url for e in got.entries] == [e.url for e in want.entries]
    assert [e.published for e in got.entries] == [e.published for e in want.entries]
    assert [e.image for e in got.entries] == [e.image for e in want.entries]
